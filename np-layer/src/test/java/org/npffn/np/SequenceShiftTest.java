package org.npffn.np;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.stack.layers.RowBlockView;

class SequenceShiftTest {

  /**
   * Both moves agree with their definitions written as loops over B sequences, on every path (float, double,
   * another type) and on row blocks of bigger matrices (a non-zero offset, as a shard's arrays may have).
   */
  @Property(tries = 80)
  void pairsStayWithinSequences(@ForAll @IntRange(min = 1, max = 4) int b,
      @ForAll @IntRange(min = 1, max = 5) int t, @ForAll @IntRange(min = 1, max = 6) int w,
      @ForAll @IntRange(min = 0, max = 2) int type, @ForAll @IntRange(min = 0, max = 3) int skipRows) {
    DataType dt = new DataType[] {DataType.FLOAT, DataType.DOUBLE, DataType.HALF}[type];
    int n = b * t;
    // views with rows before and after them in their parents, which must stay untouched
    INDArray halvesParent = Nd4j.rand(DataType.DOUBLE, n + skipRows + 2, 2 * w).castTo(dt);
    INDArray rowsParent = Nd4j.rand(DataType.DOUBLE, n + skipRows + 2, w).castTo(dt);
    INDArray halves = RowBlockView.rows(halvesParent, skipRows, skipRows + n);
    INDArray rows = RowBlockView.rows(rowsParent, skipRows, skipRows + n);
    INDArray bias = Nd4j.rand(DataType.DOUBLE, 1, w).castTo(dt);
    double[][] h = halves.castTo(DataType.DOUBLE).toDoubleMatrix();
    double[] bv = bias.castTo(DataType.DOUBLE).toDoubleVector();
    INDArray rowsBefore = RowBlockView.rows(rowsParent, 0, skipRows).dup();
    INDArray rowsAfter = RowBlockView.rows(rowsParent, skipRows + n, skipRows + n + 2).dup();
    double tolerance = dt == DataType.HALF ? 1e-2 : dt == DataType.FLOAT ? 1e-6 : 0;

    SequenceShift.sumPairs(halves, bias, rows, t);
    double[][] sums = rows.castTo(DataType.DOUBLE).toDoubleMatrix();
    for (int s = 0; s < b; s++) {
      for (int p = 0; p < t; p++) {
        int row = s * t + p;
        for (int j = 0; j < w; j++) {
          double previous = p == 0 ? 0 : h[row - 1][j];
          assertEquals(h[row][w + j] + previous + bv[j], sums[row][j], tolerance, "row " + row + ", column " + j);
        }
      }
    }
    assertEquals(rowsBefore, RowBlockView.rows(rowsParent, 0, skipRows), "rows before the view untouched");
    assertEquals(rowsAfter, RowBlockView.rows(rowsParent, skipRows + n, skipRows + n + 2), "rows after untouched");

    INDArray halvesBefore = RowBlockView.rows(halvesParent, 0, skipRows).dup();
    INDArray halvesAfter = RowBlockView.rows(halvesParent, skipRows + n, skipRows + n + 2).dup();
    double[][] r = rows.castTo(DataType.DOUBLE).toDoubleMatrix();
    SequenceShift.spreadPairs(rows, halves, t);
    double[][] spread = halves.castTo(DataType.DOUBLE).toDoubleMatrix();
    for (int s = 0; s < b; s++) {
      for (int p = 0; p < t; p++) {
        int row = s * t + p;
        double[] next = p == t - 1 ? new double[w] : r[row + 1];
        double[] expected = new double[2 * w];
        System.arraycopy(next, 0, expected, 0, w);
        System.arraycopy(r[row], 0, expected, w, w);
        assertArrayEquals(expected, spread[row], 0.0, "row " + row);
      }
    }
    assertEquals(halvesBefore, RowBlockView.rows(halvesParent, 0, skipRows), "rows before the view untouched");
    assertEquals(halvesAfter, RowBlockView.rows(halvesParent, skipRows + n, skipRows + n + 2), "rows after untouched");
  }

  @Test
  void refusesMismatchedShapes() {
    INDArray rows = Nd4j.create(DataType.FLOAT, 6, 3);
    INDArray bias = Nd4j.create(DataType.FLOAT, 1, 3);
    assertThrows(IllegalArgumentException.class,
        () -> SequenceShift.spreadPairs(rows, Nd4j.create(DataType.FLOAT, 6, 5), 3));
    assertThrows(IllegalArgumentException.class,
        () -> SequenceShift.spreadPairs(rows, Nd4j.create(DataType.FLOAT, 6, 6), 4));
    assertThrows(IllegalArgumentException.class,
        () -> SequenceShift.spreadPairs(rows, Nd4j.create(DataType.DOUBLE, 6, 6), 3));
    assertThrows(IllegalArgumentException.class,
        () -> SequenceShift.sumPairs(Nd4j.create(DataType.FLOAT, 6, 6), Nd4j.create(DataType.FLOAT, 1, 2), rows, 3));
    assertThrows(IllegalArgumentException.class,
        () -> SequenceShift.sumPairs(Nd4j.create(DataType.FLOAT, 5, 6), bias, rows, 3));
  }
}
