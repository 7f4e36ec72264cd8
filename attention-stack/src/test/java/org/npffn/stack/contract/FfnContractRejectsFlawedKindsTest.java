package org.npffn.stack.contract;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.npffn.stack.contract.ProbeFfn.Flaw;
import org.npffn.stack.ffn.DenseFfn;
import org.npffn.stack.ffn.FfnSlotConf;

/**
 * The contract can fail: each check, called as the plain method it is, rejects a {@link ProbeFfn} built with
 * the flaw that check exists for, with a message that says what broke. The same probe without a flaw passes
 * the whole suite ({@link ProbeFfnContractTest}), so each rejection comes from its flaw.
 */
class FfnContractRejectsFlawedKindsTest {
  private static final long SEED = 7;

  /** The probe with {@code flaw}, declaring the usage the probe reports. */
  private static FfnContract probe(Flaw flaw) {
    return new FfnContract() {
      @Override
      public FfnSlotConf tinyFfn() {
        return new ProbeFfn.Builder().flaw(flaw).build();
      }

      @Override
      public Optional<ExpectedUsage> expectedUsage() {
        return Optional.of(ExpectedUsage.of(1, "probe_scalar"));
      }
    };
  }

  private static void rejects(Executable check, String expectedInMessage) {
    AssertionError e = assertThrows(AssertionError.class, check);
    assertTrue(e.getMessage().contains(expectedInMessage), "message: " + e.getMessage());
  }

  @Test
  void shapeRejectsAKindThatAnswersNcwInputInNwc() {
    rejects(() -> probe(Flaw.OUTPUT_ALWAYS_NWC).outputHasTheShapeAndFormatOfTheInput(3, 5, false, SEED),
        "NCW B=3 T=5 inference: activate's output shape");
  }

  @Test
  void maskingRejectsAKindWhosePaddedPositionsAreNotZero() {
    rejects(() -> probe(Flaw.NONZERO_PADDING).paddedPositionsGiveZeroAndTheirContentChangesNothing(SEED),
        "must give 0");
  }

  @Test
  void maskingRejectsAKindWhoseRealPositionsReadPaddedOnes() {
    rejects(() -> probe(Flaw.READS_NEXT_POSITION).paddedPositionsGiveZeroAndTheirContentChangesNothing(SEED),
        "when only padded positions changed");
  }

  @Test
  void causalityRejectsAKindThatReadsTheNextPosition() {
    rejects(() -> probe(Flaw.READS_NEXT_POSITION).outputsUpToTDoNotDependOnLaterPositions(2, SEED),
        "positions > 2 changed: output at (b=0, t=2) changed by");
  }

  @Test
  void stackCausalityRejectsAKindThatReadsTheNextPosition() {
    rejects(() -> probe(Flaw.READS_NEXT_POSITION).aTransformerStackWithThisFfnStaysCausal(2, SEED),
        "stack: outputs at positions ≤ 2 changed by");
  }

  @Test
  void steppingRejectsAKindThatReadsAnEarlierPositionButKeepsNoState() {
    rejects(() -> probe(Flaw.READS_PREVIOUS_POSITION).steppingGivesTheFullForwardsOutputs(FfnContract.Padding.NONE,
        SEED), "stepped log-probabilities differ from the full forward's by");
  }

  @Test
  void aDeclaredCausalityLeakMustShow() {
    FfnContract stale = new FfnContract() {
      @Override
      public FfnSlotConf tinyFfn() {
        return new DenseFfn.Builder().hidden(5).build();
      }

      @Override
      public Optional<String> knownCausalityLeak() {
        return Optional.of("none really");
      }
    };
    rejects(() -> stale.outputsUpToTDoNotDependOnLaterPositions(1, SEED), "drop the declaration");
  }

  @Test
  void jsonRejectsAKindWithASettingThatJsonLoses() {
    rejects(() -> probe(Flaw.SETTING_NOT_IN_JSON).configurationSurvivesAJsonRoundTrip(SEED),
        "the network built from the JSON config differs by 0.25");
  }

  @Test
  void modelSerializerRejectsAKindWithStateInAJavaField() {
    rejects(() -> probe(Flaw.STATE_IN_JAVA_FIELD).modelSerializerRestoresParamsUpdaterStateAndOutputs(SEED),
        "the restored layer's outputs");
  }

  @Test
  void gradientCheckRejectsAWrongInputGradient() {
    rejects(() -> probe(Flaw.INPUT_GRADIENT_OFF).gradientsMatchFiniteDifferences(RNNFormat.NWC, false),
        "analytic and numerical gradients differ");
  }

  @Test
  void gradientCheckRejectsAWrongWeightGradient() {
    rejects(() -> probe(Flaw.WEIGHT_GRADIENT_OFF).gradientsMatchFiniteDifferences(RNNFormat.NCW, true),
        "analytic and numerical gradients differ");
  }

  @Test
  void usageRejectsAKindThatCountsPadding() {
    rejects(() -> probe(Flaw.USAGE_COUNTS_PADDING).usageStatisticsCoverTheRealTokens(SEED),
        "tokens must be the unmasked count");
  }

  @Test
  void usageRejectsAReportingKindWhoseTestDeclaresNoUsage() {
    FfnContract undeclared = () -> new ProbeFfn.Builder().build();
    rejects(() -> undeclared.usageStatisticsCoverTheRealTokens(SEED), "must declare expectedUsage()");
  }

  @Test
  void usageRejectsAKindThatDoesNotReportTheUsageItsTestDeclares() {
    FfnContract dense = new FfnContract() {
      @Override
      public FfnSlotConf tinyFfn() {
        return new DenseFfn.Builder().hidden(5).build();
      }

      @Override
      public Optional<ExpectedUsage> expectedUsage() {
        return Optional.of(ExpectedUsage.of(1));
      }
    };
    rejects(() -> dense.usageStatisticsCoverTheRealTokens(SEED), "does not implement UsageReporting");
  }
}
