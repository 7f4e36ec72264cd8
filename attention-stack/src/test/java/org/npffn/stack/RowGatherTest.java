package org.npffn.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.npffn.stack.layers.RowGather;

class RowGatherTest {
  @Test
  void gathersRowsByIndex() {
    INDArray source = Nd4j.createFromArray(new float[][] {{1, 2}, {3, 4}, {0, 0}});
    INDArray out = Nd4j.create(DataType.FLOAT, 3, 2);
    RowGather.into(source, new int[] {1, 2, 0}, out);
    assertEquals(Nd4j.createFromArray(new float[][] {{3, 4}, {0, 0}, {1, 2}}), out);
  }

  @Test
  void valuesRoundTripThroughWholeArraysAndViews() {
    double[] v = {0.5, -1.25, 3, 7};
    for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      INDArray whole = Nd4j.create(type, 2, 2);
      RowGather.setValues(whole, v);
      assertArrayEquals(v, RowGather.values(whole), 0.0);
      assertEquals(-1.25, whole.getDouble(0, 1), 0.0);
      INDArray big = Nd4j.zeros(type, 3, 2);
      INDArray view = big.get(NDArrayIndex.interval(1, 3), NDArrayIndex.all());
      RowGather.setValues(view, v);
      assertArrayEquals(v, RowGather.values(view), 0.0);
      assertEquals(0.0, big.getDouble(0, 0), 0.0);
      assertEquals(7.0, big.getDouble(2, 1), 0.0);
    }
  }

  @Test
  void valuesIntoAGivenArrayRequireItsLength() {
    INDArray a = Nd4j.createFromArray(new float[][] {{1, 2}, {3, 4}});
    double[] out = new double[4];
    assertSame(out, RowGather.values(a, out));
    assertArrayEquals(new double[] {1, 2, 3, 4}, out, 0.0);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RowGather.values(a, new double[3]));
    assertEquals("values of 4 elements into an array of 3", e.getMessage());
  }

  @Test
  void heapArraysAreReusedByNameAndLength() {
    org.npffn.stack.layers.ScratchBuffers buffers = new org.npffn.stack.layers.ScratchBuffers();
    double[] first = buffers.doubles("e", 8);
    assertSame(first, buffers.doubles("e", 8));
    assertEquals(5, buffers.doubles("e", 5).length);
    assertNotSame(first, buffers.doubles("other", 8));
  }
}
