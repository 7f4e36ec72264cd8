package org.npffn.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.npffn.stack.layers.RowBlockView;

class RowBlockViewTest {
  /** A flat parameter row holding A [3, 4] then B [2, 4], as a ParamInitializer lays them out. */
  private final INDArray flat = Nd4j.arange(0, 20).castTo(DataType.DOUBLE).reshape(1, 20);
  private final INDArray a = flat.reshape(20).get(NDArrayIndex.interval(0, 12)).reshape('c', 3, 4);
  private final INDArray b = flat.reshape(20).get(NDArrayIndex.interval(12, 20)).reshape('c', 2, 4);

  @Test
  void lastRowBlockOfAParameterViewHasItsValues() {
    INDArray last = RowBlockView.rows(b, 1, 2);
    assertEquals(Nd4j.createFromArray(new double[][] {{16, 17, 18, 19}}), last);
    INDArray middle = RowBlockView.rows(a, 1, 3);
    assertEquals(Nd4j.createFromArray(new double[][] {{4, 5, 6, 7}, {8, 9, 10, 11}}), middle);
  }

  @Test
  void refusesRowsOutsideTheMatrix() {
    assertThrows(IllegalArgumentException.class, () -> RowBlockView.rows(a, 2, 4));
  }

  /** ND4J gives a [1, d] array strides [1, 1] and an empty [0, d] view strides [0, 0]; both are contiguous. */
  @Test
  void slicesSingleRowAndEmptyMatrices() {
    INDArray single = Nd4j.createFromArray(new double[][] {{1, 2, 3}});
    assertEquals(single, RowBlockView.rows(single, 0, 1));
    assertEquals(0, RowBlockView.rows(single, 1, 1).rows());
    INDArray empty = RowBlockView.rows(a, 0, 0);
    assertEquals(0, RowBlockView.rows(empty, 0, 0).rows());
    assertEquals(4, RowBlockView.rows(empty, 0, 0).columns());
  }

  @Test
  void refusesAStridedView() {
    INDArray columns = a.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2));
    assertThrows(IllegalArgumentException.class, () -> RowBlockView.rows(columns, 0, 1));
  }

  /** Two parameters declared one after the other are one stacked matrix; writes through it reach both. */
  @Test
  void stacksAdjacentParameters() {
    INDArray both = RowBlockView.stacked(a, b);
    assertEquals(flat.reshape('c', 5, 4), both);
    both.putScalar(4, 0, -1.0);
    assertEquals(-1.0, b.getDouble(1, 0));
  }

  @Test
  void refusesToStackMatricesThatAreNotAdjacent() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RowBlockView.stacked(b, a));
    assertTrue(e.getMessage().contains("does not follow"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> RowBlockView.stacked(a, b.dup()));
  }
}
