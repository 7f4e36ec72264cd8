package org.npffn.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.npffn.stack.layers.RealRows;

/** RealRows: a row is real where the row mask is not 0; no mask means every row is real. */
class RealRowsTest {

  @Test
  void realWhereTheMaskIsNotZero() {
    for (DataType dt : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      boolean[] real = RealRows.of(Nd4j.createFromArray(1.0, 0.0, 1.0, 1.0, 0.0).reshape(5, 1).castTo(dt), 5);
      assertArrayEquals(new boolean[] {true, false, true, true, false}, real);
      assertEquals(3, RealRows.count(real));
    }
  }

  @Test
  void noMaskMeansEveryRowIsReal() {
    assertArrayEquals(new boolean[] {true, true, true}, RealRows.of(null, 3));
    assertEquals(0, RealRows.count(new boolean[0]));
  }
}
