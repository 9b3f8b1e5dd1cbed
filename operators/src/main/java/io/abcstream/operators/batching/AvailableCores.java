package io.abcstream.operators.batching;

import java.io.Serializable;

/**
 * The number of cores where an operator runs; asked in {@code open()}, never when the job graph is
 * built, so a job submitted from a laptop sizes its pools by the TaskManager's cores.
 */
@FunctionalInterface
public interface AvailableCores extends Serializable {

  /** This JVM's cores (on a TaskManager: the TaskManager's, container limits included). */
  AvailableCores RUNTIME = () -> Runtime.getRuntime().availableProcessors();

  int get();
}
