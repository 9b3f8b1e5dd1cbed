package io.abcstream.jobs.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.abcstream.jobs.search.KnnSearch;
import io.abcstream.model.runtime.Embedder;
import io.abcstream.model.runtime.Embedding;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Embeds a text query with the same model and runs kNN against the index. */
@Command(
    name = "search",
    mixinStandardHelpOptions = true,
    description = {
      "Find the indexed image+instruction embeddings nearest to a text query.",
      "Prints one JSON object per hit: score, request_id, instruction, mode, image_uri."
    })
final class SearchCommand implements Callable<Integer> {

  @Option(names = "--text", required = true, description = "the query text")
  String text;

  @Option(names = {"-k", "--k"}, defaultValue = "5", description = "hits to return (default ${DEFAULT-VALUE})")
  int k;

  @Option(names = "--index", defaultValue = "abc-embeddings",
      description = "index or alias (default ${DEFAULT-VALUE}; the demo uses abc-demo)")
  String index;

  @Option(names = "--mode", description = "only documents of this mode: image+instruction or image")
  String mode;

  @Option(names = "--es", defaultValue = "${env:ABC_ES_URL:-http://127.0.0.1:9200}",
      description = "Elasticsearch URL (default ${DEFAULT-VALUE})")
  String es;

  @Option(names = "--bundle", description = "model bundle (default: the committed tiny bundle)")
  Path bundle;

  @Option(names = "--device", defaultValue = "cpu", description = "cpu or cuda:N")
  String device;

  @Override
  public Integer call() throws Exception {
    Path bundleDir = bundle != null ? bundle : RepoLayout.tinyBundle();
    Embedding query;
    try (Embedder embedder = Embedder.open(bundleDir, device)) {
      query = embedder.embedText(text);
    }
    ObjectMapper json = new ObjectMapper();
    try (KnnSearch search = new KnnSearch(es)) {
      List<KnnSearch.Hit> hits = search.search(index, query.vector(), k, mode);
      for (KnnSearch.Hit hit : hits) {
        System.out.println(json.writeValueAsString(hit));
      }
      if (hits.isEmpty()) {
        System.err.println("no hits in " + index + " (is anything indexed? try ./abc demo --once)");
      }
    }
    return 0;
  }
}
