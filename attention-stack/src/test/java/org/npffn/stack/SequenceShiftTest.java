package org.npffn.stack;

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
import org.npffn.stack.layers.SequenceShift;

class SequenceShiftTest {

  /**
   * Both moves agree with the definition written as loops over B sequences, on every path (float, double, another
   * type) and on row blocks of bigger matrices (a non-zero offset, as a shard's arrays may have).
   */
  @Property(tries = 80)
  void movesRowsWithinSequencesOnly(@ForAll @IntRange(min = 1, max = 4) int b,
      @ForAll @IntRange(min = 1, max = 5) int t, @ForAll @IntRange(min = 1, max = 6) int w,
      @ForAll @IntRange(min = 0, max = 2) int type, @ForAll @IntRange(min = 0, max = 3) int skipRows) {
    DataType dt = new DataType[] {DataType.FLOAT, DataType.DOUBLE, DataType.HALF}[type];
    int n = b * t;
    INDArray fromParent = Nd4j.rand(DataType.DOUBLE, n + skipRows, w).castTo(dt);
    INDArray intoParent = Nd4j.rand(DataType.DOUBLE, n + skipRows, w).castTo(dt);
    INDArray from = RowBlockView.rows(fromParent, skipRows, skipRows + n);
    INDArray into = RowBlockView.rows(intoParent, skipRows, skipRows + n);
    INDArray bias = Nd4j.rand(DataType.DOUBLE, 1, w).castTo(dt);
    double[][] f = from.castTo(DataType.DOUBLE).toDoubleMatrix();
    double[][] before = into.castTo(DataType.DOUBLE).toDoubleMatrix();
    double[] bv = bias.castTo(DataType.DOUBLE).toDoubleVector();
    INDArray untouched = RowBlockView.rows(intoParent, 0, skipRows).dup();
    double tolerance = dt == DataType.HALF ? 1e-2 : dt == DataType.FLOAT ? 1e-6 : 0;

    SequenceShift.addPreviousAndBias(from, bias, into, t);
    double[][] added = into.castTo(DataType.DOUBLE).toDoubleMatrix();
    for (int s = 0; s < b; s++) {
      for (int p = 0; p < t; p++) {
        int row = s * t + p;
        for (int j = 0; j < w; j++) {
          double previous = p == 0 ? 0 : f[row - 1][j];
          assertEquals(before[row][j] + previous + bv[j], added[row][j], tolerance, "row " + row + ", column " + j);
        }
      }
    }

    SequenceShift.nextInSequence(from, into, t);
    double[][] next = into.castTo(DataType.DOUBLE).toDoubleMatrix();
    for (int s = 0; s < b; s++) {
      for (int p = 0; p < t; p++) {
        int row = s * t + p;
        double[] expected = p == t - 1 ? new double[w] : f[row + 1];
        assertArrayEquals(expected, next[row], 0.0, "row " + row);
      }
    }
    assertEquals(untouched, RowBlockView.rows(intoParent, 0, skipRows), "rows before the view untouched");
  }

  @Test
  void refusesMismatchedRows() {
    INDArray rows = Nd4j.create(DataType.FLOAT, 6, 3);
    INDArray bias = Nd4j.create(DataType.FLOAT, 1, 3);
    assertThrows(IllegalArgumentException.class,
        () -> SequenceShift.nextInSequence(rows, Nd4j.create(DataType.FLOAT, 6, 2), 3));
    assertThrows(IllegalArgumentException.class,
        () -> SequenceShift.nextInSequence(rows, Nd4j.create(DataType.FLOAT, 6, 3), 4));
    assertThrows(IllegalArgumentException.class,
        () -> SequenceShift.nextInSequence(rows, Nd4j.create(DataType.DOUBLE, 6, 3), 3));
    assertThrows(IllegalArgumentException.class,
        () -> SequenceShift.addPreviousAndBias(rows, Nd4j.create(DataType.FLOAT, 1, 2), rows.dup(), 3));
  }
}
