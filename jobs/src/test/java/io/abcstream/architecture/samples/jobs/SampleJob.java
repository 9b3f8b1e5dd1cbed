package io.abcstream.architecture.samples.jobs;

import io.abcstream.architecture.samples.model.BadModelClass;

/** A higher module using the model, closing the cycle BadModelClass starts. */
public class SampleJob {
  public BadModelClass model() {
    return new BadModelClass();
  }
}
