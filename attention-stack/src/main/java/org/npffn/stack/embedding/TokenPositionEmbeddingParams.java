package org.npffn.stack.embedding;

import java.util.List;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.npffn.stack.layers.ParamSpec;
import org.npffn.stack.layers.SpecParamInitializer;

/** Parameters of {@link TokenPositionEmbedding}: E [V, C]; with learned positions also P [maxLength, C]. */
public final class TokenPositionEmbeddingParams extends SpecParamInitializer {
  public static final TokenPositionEmbeddingParams INSTANCE = new TokenPositionEmbeddingParams();

  @Override
  protected List<ParamSpec> specs(Layer layer) {
    TokenPositionEmbedding c = (TokenPositionEmbedding) layer;
    // Fan-in 1: each output row is one table row, not a sum over V inputs.
    ParamSpec tokens = new ParamSpec(TokenPositionEmbedding.TOKENS, c.getNIn(), c.getNOut(),
        ParamSpec.Role.WEIGHT, 1, c.getNOut());
    if (c.getPositions() == PositionEncoding.SINUSOIDAL) {
      return List.of(tokens);
    }
    return List.of(tokens, new ParamSpec(TokenPositionEmbedding.POSITIONS, c.getMaxLength(), c.getNOut(),
        ParamSpec.Role.WEIGHT, 1, c.getNOut()));
  }
}
