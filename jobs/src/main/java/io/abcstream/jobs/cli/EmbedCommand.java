package io.abcstream.jobs.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.abcstream.model.image.ImageDecoder;
import io.abcstream.model.image.ImageException;
import io.abcstream.model.runtime.Embedder;
import io.abcstream.model.runtime.Embedding;
import io.abcstream.model.text.ModelInputException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Embeds one image (under instructions) or one text with the ABC model, printing JSON lines. */
@Command(
    name = "embed",
    mixinStandardHelpOptions = true,
    description = {
      "Embed an image (one vector per --instruction, or one image-only vector) or a text.",
      "Prints one JSON object per vector: mode, instruction, dims, embedding."
    })
final class EmbedCommand implements Callable<Integer> {

  static final class Input {
    @Option(names = "--image", required = true, description = "image file path or http(s) URL")
    String image;

    @Option(names = "--text", required = true, description = "text to embed (candidate mode)")
    String text;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Input input;

  @Option(
      names = "--instruction",
      description = "instruction (repeatable): one vector each, in order")
  List<String> instructions = new ArrayList<>();

  @Mixin ModelArgs model;

  @Option(names = "--dump-inputs", description = "write the model inputs (.npy) and prompt here")
  Path dumpInputs;

  @Override
  public Integer call() throws Exception {
    if (input.text != null && !instructions.isEmpty()) {
      System.err.println("abc embed: --instruction goes with --image, not with --text");
      return 2;
    }
    // Read the image before loading the model: a wrong path should not cost a model load.
    byte[] imageBytes = input.image == null ? null : readImage(input.image);
    try (Embedder embedder = Embedder.open(model.bundleDir(), model.device)) {
      if (dumpInputs != null) {
        embedder.dumpInputs(dumpInputs);
      }
      List<Embedding> vectors =
          input.text != null
              ? List.of(embedder.embedText(input.text))
              : embedder.embedImage(imageBytes, instructions);
      ObjectMapper json = new ObjectMapper();
      for (Embedding e : vectors) {
        ObjectNode line = json.createObjectNode();
        line.put("mode", e.mode().wireName());
        if (e.instruction() != null) {
          line.put("instruction", e.instruction());
        } else {
          line.putNull("instruction");
        }
        line.put("dims", e.dims());
        ArrayNode values = line.putArray("embedding");
        for (float v : e.vector()) {
          values.add(v);
        }
        System.out.println(json.writeValueAsString(line));
      }
      return 0;
    } catch (ImageException | ModelInputException e) {
      System.err.println("abc embed: " + e.getMessage());
      return 1;
    }
  }

  /** A local file or an http(s) URL; the CLI is the user's own tool, so no SSRF policy applies. */
  static byte[] readImage(String image) throws Exception {
    if (image.startsWith("http://") || image.startsWith("https://")) {
      HttpClient http =
          HttpClient.newBuilder()
              .connectTimeout(Duration.ofSeconds(10))
              .followRedirects(HttpClient.Redirect.NORMAL)
              .build();
      HttpResponse<InputStream> response =
          http.send(
              HttpRequest.newBuilder(URI.create(image)).timeout(Duration.ofSeconds(60)).build(),
              HttpResponse.BodyHandlers.ofInputStream());
      if (response.statusCode() != 200) {
        throw new IllegalArgumentException(image + ": HTTP " + response.statusCode());
      }
      try (InputStream in = response.body()) {
        // One byte past the decoder's limit, so an oversized body is reported as too large, not as
        // truncated.
        return in.readNBytes((int) ImageDecoder.DEFAULT_MAX_BYTES + 1);
      }
    }
    Path path = image.startsWith("file:") ? Paths.get(URI.create(image)) : Paths.get(image);
    return Files.readAllBytes(path);
  }
}
