package io.abcstream.jobs.cli;

import java.io.IOException;
import java.util.List;

/** Runs a helper script in the foreground with the caller's terminal, returning its exit code. */
final class ProcessRunner {

  private ProcessRunner() {}

  static int run(List<String> command) {
    ProcessBuilder pb = new ProcessBuilder(command).inheritIO().directory(RepoLayout.root().toFile());
    try {
      Process process = pb.start();
      // Ctrl-C reaches the child through the shared process group; wait for it to finish cleanly.
      return process.waitFor();
    } catch (IOException e) {
      System.err.println("abc: cannot run " + command.get(0) + ": " + e.getMessage());
      return 127;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 130;
    }
  }
}
