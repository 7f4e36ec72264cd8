package org.npffn.stack.layers;

import java.util.Arrays;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;

/**
 * What a sequence layer checks of its input before computing, so a wrong input fails with the layer's name,
 * the expected and the found instead of an ND4J error from native code (or a NaN that spreads silently):
 * rank 3 in the layer's data layout, the configured width, a non-empty sequence, the layer's data type, and,
 * for an FFN layer, finite values.
 *
 * @param layer the layer's name for messages ("block0.ffn (layer index 6)")
 * @param format the layer's data layout
 * @param width the configured input width C (nIn), or 0 when the layer takes ids
 * @param type the layer's (network's) data type
 * @param finite whether to refuse NaN and infinite values (FFN layers: they would spread through the residual)
 */
public record SequenceInputCheck(String layer, RNNFormat format, long width, DataType type, boolean finite) {

  /**
   * @throws IllegalArgumentException for a wrong shape, width or data type, or an empty input
   * @throws NonFiniteValueException for NaN or infinite values where they are refused
   */
  public void check(INDArray x) {
    String expected = format == RNNFormat.NWC ? "[B, T, C] (NWC)" : "[B, C, T] (NCW)";
    if (x.rank() != 3) {
      throw new IllegalArgumentException(layer + ": expected a rank-3 input " + expected + ", found shape "
          + Arrays.toString(x.shape()));
    }
    long t = format == RNNFormat.NWC ? x.size(1) : x.size(2);
    long c = format == RNNFormat.NWC ? x.size(2) : x.size(1);
    if (x.size(0) == 0 || t == 0) {
      throw new IllegalArgumentException(layer + ": empty input, shape " + Arrays.toString(x.shape()) + " "
          + expected + ": expected at least one sequence of at least one position");
    }
    if (width > 0 && c != width) {
      long other = format == RNNFormat.NWC ? x.size(1) : x.size(2);
      String hint = other == width ? " (the input looks like " + (format == RNNFormat.NWC ? "NCW" : "NWC")
          + ": the layer is configured for " + format + ")" : "";
      throw new IllegalArgumentException(layer + ": expected input width C = " + width + " in " + expected
          + ", found shape " + Arrays.toString(x.shape()) + hint);
    }
    if (x.dataType() != type) {
      throw new IllegalArgumentException(layer + ": expected " + type + " input (the network's data type), "
          + "found " + x.dataType() + "; cast the input, e.g. x.castTo(DataType." + type + ")");
    }
    if (finite && !allFinite(x)) {
      throw new NonFiniteValueException(layer + ": the input holds NaN or infinite values (expected finite "
          + "values; the layers before it, or the data, produced them)");
    }
  }

  /** Whether every value of {@code x} is finite: one reduction, no array allocated (isNaN() would copy x). */
  public static boolean allFinite(INDArray x) {
    return !BooleanIndexing.or(x, Conditions.notFinite());
  }
}
