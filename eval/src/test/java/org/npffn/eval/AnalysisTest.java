package org.npffn.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.npffn.eval.analysis.DocumentLanguages;
import org.npffn.eval.analysis.LanguageRouting;
import org.npffn.eval.analysis.UnitSimilarity;
import org.npffn.eval.data.ByteWindows;
import org.npffn.eval.data.Corpus;
import org.npffn.eval.data.TokenBatch;
import org.npffn.eval.train.LanguageModelTrainer;
import org.npffn.eval.train.TrainConfig;
import org.npffn.moe.MoeFfn;
import org.npffn.np.NpFfn;
import org.npffn.stack.TransformerStack;

/** Language detection, language–unit mutual information and unit similarity on cases with known answers. */
class AnalysisTest {
  private static final TrainConfig C = TrainConfig.preset("smoke");
  private static final String FFN = TransformerStack.ffnName(0);

  private static List<TokenBatch> batches() {
    List<byte[]> docs = Corpus.europarl(200_000).documents().subList(0, 20);
    return new ByteWindows(docs, C.length()).evaluation(8, 2048);
  }

  private static ComputationGraph moe() {
    return LanguageModelTrainer.network(C, (b, d) -> new MoeFfn.Builder().nExperts(4).topK(2).expertHidden(16)
        .build());
  }

  @Test
  void identicalExpertsHaveSimilarityOne() {
    ComputationGraph net = moe();
    Layer l = net.getLayer(FFN);
    for (int e = 1; e < 4; e++) {
      for (String p : List.of(MoeFfn.W1, MoeFfn.B1, MoeFfn.W2, MoeFfn.B2)) {
        l.getParam(MoeFfn.expertKey(e, p)).assign(l.getParam(MoeFfn.expertKey(0, p)));
      }
    }
    assertEquals(1.0, UnitSimilarity.measure(net, List.of(FFN), batches()).get(FFN), 1e-5);
  }

  @Test
  void expertsWritingDisjointCoordinatesHaveSimilarityZero() {
    ComputationGraph net = moe();
    Layer l = net.getLayer(FFN);
    long block = C.width() / 4;
    for (int e = 0; e < 4; e++) {
      INDArray w2 = l.getParam(MoeFfn.expertKey(e, MoeFfn.W2)); //                                  [d_e, d]
      INDArray keep = w2.dup();
      w2.assign(0);
      w2.get(all(), interval(e * block, (e + 1) * block)).assign(keep.get(all(), interval(e * block, (e + 1) * block)));
      l.getParam(MoeFfn.expertKey(e, MoeFfn.B2)).assign(0);
    }
    assertEquals(0.0, UnitSimilarity.measure(net, List.of(FFN), batches()).get(FFN), 1e-6);
  }

  @Test
  void identicalNpGroupsHaveSimilarityOne() {
    ComputationGraph net = LanguageModelTrainer.network(C, (b, d) -> new NpFfn.Builder().hidden(64).groups(4)
        .contextWidth(8).build());
    Layer l = net.getLayer(FFN);
    INDArray up = l.getParam(NpFfn.W_UP); //   [d, h]
    INDArray bUp = l.getParam(NpFfn.B_UP); //  [1, h]
    INDArray u = l.getParam(NpFfn.U); //       [r, h]
    INDArray down = l.getParam(NpFfn.W_DOWN).dup(); // [h, d]
    for (int g = 1; g < 4; g++) {
      up.get(all(), interval(16 * g, 16 * g + 16)).assign(up.get(all(), interval(0, 16)).dup());
      bUp.get(all(), interval(16 * g, 16 * g + 16)).assign(bUp.get(all(), interval(0, 16)).dup());
      u.get(all(), interval(16 * g, 16 * g + 16)).assign(u.get(all(), interval(0, 16)).dup());
      down.get(interval(16 * g, 16 * g + 16), all()).assign(down.get(interval(0, 16), all()).dup());
    }
    l.getParam(NpFfn.W_DOWN).assign(down);
    assertEquals(1.0, UnitSimilarity.measure(net, List.of(FFN), batches()).get(FFN), 1e-5);
  }

  @Test
  void mutualInformationIsZeroForSharedUnitsAndTheLanguageEntropyForOwnUnits() {
    Map<String, Long> tokens = Map.of("de", 100L, "en", 300L);
    double same = LanguageRouting.mutualInformationBits(Map.of("de", new double[] {0.5, 0.5},
        "en", new double[] {0.5, 0.5}), tokens);
    assertEquals(0, same, 1e-12);
    double own = LanguageRouting.mutualInformationBits(Map.of("de", new double[] {1, 0},
        "en", new double[] {0, 1}), tokens);
    double h = -(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75)) / Math.log(2);
    assertEquals(h, own, 1e-12);
  }

  @Test
  void detectsTheLanguageOfAnEuroparlStyleLineFromItsBody() {
    List<byte[]> docs = List.of(
        "Title\t2001-01-01\tThe Commission has presented a proposal on the protection of workers, and the Council "
            + "will discuss it at the next meeting of the ministers in Brussels.",
        "Titel\t2001-01-01\tDie Kommission hat einen Vorschlag zum Schutz der Arbeitnehmer vorgelegt, und der Rat "
            + "wird ihn auf der nächsten Tagung der Minister in Brüssel erörtern.",
        "Titre\t2001-01-01\tLa Commission a présenté une proposition sur la protection des travailleurs, et le "
            + "Conseil en discutera lors de la prochaine réunion des ministres à Bruxelles.",
        "x\t2001\t1234 5678").stream().map(s -> s.getBytes(StandardCharsets.UTF_8)).toList();
    DocumentLanguages langs = DocumentLanguages.detect(docs);
    assertEquals("en", langs.of(0));
    assertEquals("de", langs.of(1));
    assertEquals("fr", langs.of(2));
    assertEquals(DocumentLanguages.UNKNOWN, langs.of(3));
    assertEquals(Map.of("en", 1, "de", 1, "fr", 1, "unknown", 1), langs.counts());
  }

  @Test
  void languageUsageIsADistributionPerLanguageOnRealText() {
    List<byte[]> docs = Corpus.europarl(400_000).documents().subList(0, 60);
    DocumentLanguages langs = DocumentLanguages.detect(docs);
    ComputationGraph net = moe();
    Map<String, LanguageRouting.LayerLanguages> r = LanguageRouting.measure(net, List.of(FFN), docs, langs,
        C.length(), 8, 2048);
    LanguageRouting.LayerLanguages l = r.get(FFN);
    assertTrue(l.usage().size() >= 2, "several languages: " + l.usage().keySet());
    l.usage().values().forEach(p -> assertEquals(1.0, java.util.Arrays.stream(p).sum(), 1e-9));
    assertTrue(l.mutualInformationBits() >= 0 && l.mutualInformationBits() <= Math.log(4) / Math.log(2));
  }
}
