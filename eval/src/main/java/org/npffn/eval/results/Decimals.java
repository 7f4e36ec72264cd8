package org.npffn.eval.results;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Numbers as report text. A value that rounds to zero prints without a sign ("0.0000", never "-0.0000": a
 * reader takes the sign for a direction), a value that is not finite prints as "-", and the decimal point is
 * always "." (Locale.ROOT), whatever the machine's locale.
 */
public final class Decimals {
  /** What a missing or non-finite value prints as. */
  public static final String MISSING = "-";

  // a sign followed by nothing but zeros, separators and a decimal point
  private static final Pattern SIGNED_ZERO = Pattern.compile("^[+-](?=[0.,]+$)");

  private Decimals() {}

  /** {@code value} through the printf {@code format} (one conversion), without a signed zero. */
  public static String format(String format, double value) {
    if (!Double.isFinite(value)) {
      return MISSING;
    }
    return SIGNED_ZERO.matcher(String.format(Locale.ROOT, format, value)).replaceFirst("");
  }

  /** {@code value} with {@code decimals} decimals. */
  public static String fixed(double value, int decimals) {
    return format("%." + decimals + "f", value);
  }

  /** {@code value} with {@code decimals} decimals and an explicit sign ("+0.034", "-0.034", "0.000"). */
  public static String signed(double value, int decimals) {
    return format("%+." + decimals + "f", value);
  }
}
