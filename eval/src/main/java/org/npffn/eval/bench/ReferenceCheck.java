package org.npffn.eval.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * How far one run of a case is from a reference computed another way (in double precision), and whether that
 * is within the tolerance. A case whose result is fast but wrong fails here, where a finite checksum would
 * pass.
 *
 * <p>The error of one array is normwise: max_i |a_i - r_i| / max_i |r_i|. An element-wise relative error is
 * meaningless for the entries near zero that every gradient has; scaled by the array's largest entry, float32
 * rounding stays near √K·2^-24 for a sum of K products. The case's error is the largest over its arrays (the
 * output, the input gradient, every parameter gradient), and {@code worst} names that array.
 *
 * @param against what the reference is, for the report
 * @param maxRelError the largest normwise relative error (NaN or infinite when the run was not finite)
 * @param worst the array with that error
 * @param tolerance the bound it must not exceed
 */
public record ReferenceCheck(String against, double maxRelError, String worst, double tolerance) {

  /**
   * 1e-4 for float32 against double. At the bench's shapes the float32 runs measured at most 3.3e-6 from their
   * references (np/T=1024's dx; dense-ffn 7e-7, block/dense 1.2e-6, the MoE cases 1.3e-6, gemm 9e-7), as expected
   * of random rounding over sums of K = 4096 terms (√K·2^-24 ≈ 4e-6): 30x that leaves room for other summation
   * orders (BLAS builds, blocking, threads). A result off by 1e-2 (a wrong term, a dropped bias, a stale buffer)
   * fails by 100x, and so does a GELU slope of 1.70 for 1.702 in the kernel (4e-4, measured).
   */
  public static final double FLOAT32_TOLERANCE = 1e-4;

  /** Passes: the error is finite and within the tolerance. */
  public boolean ok() {
    return maxRelError <= tolerance;
  }

  /** One line naming the case, its error, the array and the tolerance, e.g. for a failure. */
  public String line(String caseName) {
    return String.format(Locale.ROOT, "%s: reference %s: max relative error %.2e (%s) %s tolerance %.0e, against %s",
        caseName, ok() ? "ok" : "MISMATCH", maxRelError, worst, ok() ? "<=" : "exceeds", tolerance, against);
  }

  /**
   * Compares each array of {@code actual} with the array of the same name in {@code reference} (same number of
   * elements, read in c order, so [B, T, C] compares with rows [N, C]). Both must name the same arrays, so no
   * gradient goes unchecked.
   */
  public static ReferenceCheck compare(String against, double tolerance, Map<String, INDArray> actual,
      Map<String, INDArray> reference) {
    if (!actual.keySet().equals(reference.keySet())) {
      throw new IllegalStateException("the run computed " + actual.keySet() + " but the reference "
          + reference.keySet());
    }
    double max = 0;
    String worst = "-";
    for (Map.Entry<String, INDArray> e : reference.entrySet()) {
      INDArray a = actual.get(e.getKey());
      if (a.length() != e.getValue().length()) {
        throw new IllegalStateException("reference has " + e.getKey() + " " + Arrays.toString(e.getValue().shape())
            + " but the run has " + Arrays.toString(a.shape()));
      }
      double err = relativeError(a, e.getValue());
      // !(err <= max) so that a NaN error wins over every finite one
      if (!(err <= max)) {
        max = err;
        worst = e.getKey();
      }
    }
    return new ReferenceCheck(against, max, worst, tolerance);
  }

  /** max |a - r| / max |r|; 0 when both are all zero, infinite when only r is, NaN when a is not finite. */
  static double relativeError(INDArray actual, INDArray reference) {
    INDArray r = reference.castTo(DataType.DOUBLE).reshape('c', new long[] {reference.length()});
    INDArray a = actual.castTo(DataType.DOUBLE).reshape('c', new long[] {actual.length()});
    double scale = r.amaxNumber().doubleValue();
    double diff = 0;
    for (double v : a.sub(r).data().asDouble()) {
      // a loop rather than amax: the comparison must see a NaN, whatever a reduction op does with it
      diff = Double.isNaN(v) || Double.isNaN(diff) ? Double.NaN : Math.max(diff, Math.abs(v));
    }
    if (diff == 0) {
      return 0;
    }
    return diff / scale;
  }
}
