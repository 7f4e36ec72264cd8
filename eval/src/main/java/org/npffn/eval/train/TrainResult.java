package org.npffn.eval.train;

/**
 * What a training run measured.
 *
 * @param config the run's configuration
 * @param corpus where the text came from
 * @param split the train/validation/test rule
 * @param trainBytes bytes of training text
 * @param parameters the model's parameter count
 * @param validation held-out loss on the validation documents
 * @param test held-out loss on the test documents
 * @param testUnigramBits unigram entropy of the test documents, bits per byte (the context-free floor)
 * @param tokensPerSecond training throughput
 * @param seconds wall time of the training steps
 * @param model the saved model file
 */
public record TrainResult(TrainConfig config, String corpus, String split, long trainBytes, long parameters,
    HeldOutLoss validation, HeldOutLoss test, double testUnigramBits, double tokensPerSecond, double seconds,
    String model) {}
