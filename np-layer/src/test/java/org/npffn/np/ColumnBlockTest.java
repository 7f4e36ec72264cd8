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
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.npffn.stack.layers.RowBlockView;

class ColumnBlockTest {

  /** Every path (float, double, a row-block view as the wide side, another type) agrees with ND4J's assign. */
  @Property(tries = 60)
  void copiesAgreeWithNd4jAssign(@ForAll @IntRange(min = 0, max = 9) int rows,
      @ForAll @IntRange(min = 1, max = 7) int width, @ForAll @IntRange(min = 0, max = 5) int from,
      @ForAll @IntRange(min = 0, max = 2) int type, @ForAll @IntRange(min = 0, max = 3) int skipRows) {
    DataType dt = new DataType[] {DataType.FLOAT, DataType.DOUBLE, DataType.HALF}[type];
    long wideColumns = from + width + 2;
    // the wide matrix is rows [skip, skip + rows) of a bigger one, so its offset is not 0
    INDArray parent = Nd4j.rand(DataType.DOUBLE, rows + skipRows, wideColumns).castTo(dt);
    INDArray wide = RowBlockView.rows(parent, skipRows, skipRows + rows);
    INDArray source = Nd4j.rand(DataType.DOUBLE, rows, width).castTo(dt);
    INDArray expected = wide.dup();
    expected.get(NDArrayIndex.all(), NDArrayIndex.interval(from, from + width)).assign(source);
    INDArray before = parent.dup();

    ColumnBlock.write(source, wide, from);
    assertEquals(expected, wide);
    assertEquals(before.get(NDArrayIndex.interval(0, skipRows), NDArrayIndex.all()),
        parent.get(NDArrayIndex.interval(0, skipRows), NDArrayIndex.all()), "rows before the view untouched");

    INDArray out = Nd4j.create(dt, rows, width);
    ColumnBlock.read(wide, from, out);
    assertEquals(source, out);

    double[] values = ColumnBlock.read(wide, from, width, new double[rows * width]);
    assertArrayEquals(source.castTo(DataType.DOUBLE).reshape(-1).toDoubleVector(), values, 0.0);
    double[] doubled = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      doubled[i] = 2 * values[i];
    }
    ColumnBlock.write(doubled, width, wide, from);
    if (rows > 0) {
      assertEquals(source.mul(2), ColumnBlock.read(wide, from, Nd4j.create(dt, rows, width)));
    }
  }

  /** writeRows equals write of the row block, for a source that is itself a row block (non-zero offset). */
  @Property(tries = 60)
  void writeRowsEqualsWriteOfTheRowBlock(@ForAll @IntRange(min = 0, max = 6) int rows,
      @ForAll @IntRange(min = 0, max = 4) int first, @ForAll @IntRange(min = 0, max = 3) int below,
      @ForAll @IntRange(min = 1, max = 5) int width, @ForAll @IntRange(min = 0, max = 3) int from,
      @ForAll @IntRange(min = 0, max = 2) int type) {
    DataType dt = new DataType[] {DataType.FLOAT, DataType.DOUBLE, DataType.HALF}[type];
    INDArray parent = Nd4j.rand(DataType.DOUBLE, first + rows + below + 1, width).castTo(dt);
    INDArray source = RowBlockView.rows(parent, 1, parent.rows()); //                   offset one row into parent
    INDArray wide = Nd4j.rand(DataType.DOUBLE, rows, from + width + 1).castTo(dt);
    INDArray expected = wide.dup();
    ColumnBlock.write(RowBlockView.rows(source, first, first + rows), expected, from);

    ColumnBlock.writeRows(source, first, wide, from);
    assertEquals(expected, wide);
    assertThrows(IllegalArgumentException.class, () -> ColumnBlock.writeRows(source, first + below + 1, wide, from));
  }

  /**
   * The narrow side as a row block of a bigger matrix (non-zero offset, as a shard's rows are), and the wide side
   * as a column slice of a wider one (row stride above its width).
   */
  @Test
  void copiesBetweenOffsetRowsAndAColumnSlice() {
    INDArray parentRows = Nd4j.rand(DataType.FLOAT, 9, 3);
    INDArray source = RowBlockView.rows(parentRows, 4, 9); //                                   [5, 3]
    INDArray widest = Nd4j.rand(DataType.FLOAT, 5, 10);
    INDArray wide = widest.get(NDArrayIndex.all(), NDArrayIndex.interval(2, 8)); //         [5, 6], stride 10
    INDArray expected = widest.dup();
    expected.get(NDArrayIndex.all(), NDArrayIndex.interval(3, 6)).assign(source);

    ColumnBlock.write(source, wide, 1);
    assertEquals(expected, widest);

    INDArray outParent = Nd4j.zeros(DataType.FLOAT, 8, 3);
    ColumnBlock.read(wide, 1, RowBlockView.rows(outParent, 2, 7));
    assertEquals(source, RowBlockView.rows(outParent, 2, 7));
    assertEquals(Nd4j.zeros(DataType.FLOAT, 2, 3), RowBlockView.rows(outParent, 0, 2), "rows before untouched");
  }

  @Test
  void refusesBlocksOutsideTheMatrix() {
    INDArray wide = Nd4j.create(DataType.FLOAT, 4, 6);
    assertThrows(IllegalArgumentException.class, () -> ColumnBlock.write(Nd4j.create(DataType.FLOAT, 4, 3), wide, 4));
    assertThrows(IllegalArgumentException.class, () -> ColumnBlock.read(wide, 0, Nd4j.create(DataType.FLOAT, 3, 2)));
    assertThrows(IllegalArgumentException.class, () -> ColumnBlock.read(wide, 5, 2, new double[8]));
    assertThrows(IllegalArgumentException.class, () -> ColumnBlock.write(new double[7], 2, wide, 0));
  }
}
