package io.abcstream.jobs.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/** Runs a helper script in the foreground with the caller's terminal, returning its exit code. */
final class ProcessRunner {

  private ProcessRunner() {}

  /** The script's output is the command's own output (e.g. {@code abc stack status}). */
  static int run(List<String> command) {
    return run(command, false);
  }

  /**
   * For a script that prepares something a command needs (the tokenizer, the local stack): what it
   * prints is progress, so it goes to stderr and stdout keeps only the command's result.
   */
  static int runForProgress(List<String> command) {
    return run(command, true);
  }

  private static int run(List<String> command, boolean outputToStderr) {
    ProcessBuilder pb =
        new ProcessBuilder(command).inheritIO().directory(RepoLayout.root().toFile());
    if (outputToStderr) {
      pb.redirectOutput(ProcessBuilder.Redirect.PIPE);
    }
    try {
      Process process = pb.start();
      if (outputToStderr) {
        try (InputStream out = process.getInputStream()) {
          out.transferTo(System.err);
        }
        System.err.flush();
      }
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
