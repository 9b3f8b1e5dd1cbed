package io.abcstream.jobs.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.abcstream.connectors.elasticsearch.ElasticsearchSinkOptions;
import io.abcstream.jobs.search.KnnSearch;
import io.abcstream.model.runtime.Embedder;
import io.abcstream.model.runtime.Embedding;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Embeds a text query with the same model and runs kNN against the index. */
@Command(
    name = "search",
    mixinStandardHelpOptions = true,
    description = {
      "Find the indexed image+instruction embeddings nearest to a text query.",
      "Prints one JSON object per hit: score, request_id, instruction, mode, image_uri.",
      "Connects as the job does: --config job.yaml and -D elasticsearch.* keys, or the --es flags."
    })
final class SearchCommand implements Callable<Integer> {

  @Option(names = "--text", required = true, description = "the query text")
  String text;

  @Option(
      names = {"-k", "--k"},
      defaultValue = "5",
      description = "hits to return (default ${DEFAULT-VALUE})")
  int k;

  @Option(
      names = "--index",
      description =
          "index or alias (default: elasticsearch.index.prefix of the config, i.e. the job's alias; the demo uses abc-demo)")
  String index;

  @Option(names = "--mode", description = "only documents of this mode: image+instruction or image")
  String mode;

  @Mixin ElasticsearchArgs elasticsearch;

  @Mixin ModelArgs model;

  /** The --index given, else the alias the job writes to with the same configuration. */
  String index(Configuration conf) {
    return index != null ? index : conf.get(ElasticsearchSinkOptions.INDEX_PREFIX);
  }

  @Override
  public Integer call() throws Exception {
    Configuration conf = elasticsearch.configuration();
    String target = index(conf);
    Embedding query;
    try (Embedder embedder = Embedder.open(model.bundleDir(), model.device)) {
      query = embedder.embedText(text);
    }
    ObjectMapper json = new ObjectMapper();
    try (KnnSearch search = new KnnSearch(elasticsearch.connection())) {
      List<KnnSearch.Hit> hits = search.search(target, query.vector(), k, mode);
      for (KnnSearch.Hit hit : hits) {
        System.out.println(json.writeValueAsString(hit));
      }
      if (hits.isEmpty()) {
        System.err.println(
            "no hits in " + target + " (is anything indexed? try ./abc demo --once)");
      }
    }
    return 0;
  }
}
