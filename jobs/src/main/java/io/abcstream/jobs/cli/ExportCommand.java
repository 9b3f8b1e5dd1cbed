package io.abcstream.jobs.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Exports Hugging Face snapshots of ABC into a TorchScript model bundle (export/export.py). */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = {
      "Turn the ABC checkpoints into a model bundle the pipeline loads.",
      "The checkpoints are a base Qwen2-VL snapshot and the pretrain and instruct LoRA adapters;",
      "runs export/export.py with Debian's python3-torch."
    })
final class ExportCommand implements Callable<Integer> {

  @Option(names = "--base", required = true, description = "Qwen2-VL snapshot folder")
  Path base;

  @Option(
      names = "--pretrain-adapter",
      required = true,
      description = "ABC pretrain PEFT adapter folder")
  Path pretrainAdapter;

  @Option(
      names = "--instruct-adapter",
      required = true,
      description = "ABC instruct PEFT adapter folder")
  Path instructAdapter;

  @Option(names = "--out", required = true, description = "bundle folder to write")
  Path out;

  @Option(
      names = "--dtype",
      defaultValue = "fp32",
      description = "fp32 (CPU) or bf16 (GPU); default ${DEFAULT-VALUE}")
  String dtype;

  @Option(
      names = "--positions",
      defaultValue = "sequential",
      description = "sequential (the reference's steady state) or mrope; default ${DEFAULT-VALUE}")
  String positions;

  @Option(names = "--tokenizer", description = "tokenizer.json, when the base snapshot has none")
  Path tokenizer;

  @Option(
      names = "--python",
      defaultValue = "${env:ABC_PYTHON:-/usr/bin/python3}",
      description = "interpreter with torch (default ${DEFAULT-VALUE})")
  String python;

  @Override
  public Integer call() {
    if (!Files.isExecutable(Paths.get(python))) {
      System.err.println(
          "abc export: "
              + python
              + " not found; install Debian's python3-torch (apt-get install"
              + " python3-torch python3-numpy) or pass --python");
      return 2;
    }
    List<String> command = new ArrayList<>();
    command.add(python);
    command.add(RepoLayout.script("export/export.py").toString());
    command.add("--base");
    command.add(base.toAbsolutePath().toString());
    command.add("--pretrain-adapter");
    command.add(pretrainAdapter.toAbsolutePath().toString());
    command.add("--instruct-adapter");
    command.add(instructAdapter.toAbsolutePath().toString());
    command.add("--out");
    command.add(out.toAbsolutePath().toString());
    command.add("--dtype");
    command.add(dtype);
    command.add("--positions");
    command.add(positions);
    if (tokenizer != null) {
      command.add("--tokenizer");
      command.add(tokenizer.toAbsolutePath().toString());
    }
    return ProcessRunner.runForProgress(command);
  }
}
