package io.abcstream.connectors.elasticsearch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.http.util.EntityUtils;
import org.elasticsearch.client.Request;
import org.elasticsearch.client.Response;
import org.elasticsearch.client.ResponseException;
import org.elasticsearch.client.RestClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the versioned embeddings index {@code <prefix>-<modelVersion>} with the document mapping
 * and the alias {@code <prefix>} (idempotent), and refuses indices whose vectors do not fit the model.
 */
public final class IndexManager implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(IndexManager.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_INDEX_NAME_BYTES = 255;

  private final RestClient rest;
  private final boolean ownsClient;

  /** Uses {@code rest}; the caller keeps ownership (close it yourself). */
  public IndexManager(RestClient rest) {
    this(rest, false);
  }

  private IndexManager(RestClient rest, boolean ownsClient) {
    this.rest = Objects.requireNonNull(rest, "rest");
    this.ownsClient = ownsClient;
  }

  /** Connects with {@code connection}; {@link #close()} closes the client. */
  public static IndexManager connect(ElasticsearchConnectionConfig connection) {
    return new IndexManager(connection.createRestClient(), true);
  }

  // ------------------------------------------------------------------ names

  /** {@code <prefix>-<modelVersion>} made a valid index name (see {@link #sanitize(String)}). */
  public static String versionedIndexName(String prefix, String modelVersion) {
    requireText(prefix, "index prefix");
    requireText(modelVersion, "model version");
    return sanitize(prefix + "-" + modelVersion);
  }

  /**
   * Applies Elasticsearch's index name rules: lower case; {@code \ / * ? " < > | , # :} and
   * whitespace become {@code -}; no leading {@code - _ +}; not {@code .}/{@code ..}; at most 255 bytes.
   */
  public static String sanitize(String name) {
    requireText(name, "index name");
    StringBuilder sb = new StringBuilder(name.length());
    for (char c : name.toLowerCase(Locale.ROOT).toCharArray()) {
      sb.append("\\/*?\"<>|,#:".indexOf(c) >= 0 || Character.isWhitespace(c) ? '-' : c);
    }
    String s = sb.toString();
    int start = 0;
    while (start < s.length() && "-_+".indexOf(s.charAt(start)) >= 0) {
      start++;
    }
    s = s.substring(start);
    while (s.getBytes(StandardCharsets.UTF_8).length > MAX_INDEX_NAME_BYTES) {
      s = s.substring(0, s.length() - 1);
    }
    if (s.isEmpty() || s.equals(".") || s.equals("..")) {
      throw new IllegalArgumentException("'" + name + "' does not make a valid Elasticsearch index name");
    }
    return s;
  }

  // ------------------------------------------------------------------ mapping

  /** The index body (settings + mappings) for documents of DESIGN §2, as JSON. */
  public static ObjectNode indexBody(IndexSpec spec) {
    ObjectNode body = JSON.createObjectNode();
    ObjectNode index = body.putObject("settings").putObject("index");
    spec.numberOfShards().ifPresent(n -> index.put("number_of_shards", n));
    spec.numberOfReplicas().ifPresent(n -> index.put("number_of_replicas", n));
    ObjectNode mappings = body.putObject("mappings");
    // metadata.* values are free-form strings copied from requests: keyword, so they filter exactly.
    ArrayNode templates = mappings.putArray("dynamic_templates");
    ObjectNode metadataStrings = templates.addObject().putObject("metadata_strings");
    metadataStrings.put("path_match", "metadata.*");
    metadataStrings.put("match_mapping_type", "string");
    metadataStrings.putObject("mapping").put("type", "keyword");
    ObjectNode props = mappings.putObject("properties");
    props.putObject("request_id").put("type", "keyword");
    props.putObject("image_uri").put("type", "keyword");
    ObjectNode instruction = props.putObject("instruction");
    instruction.put("type", "text");
    instruction.putObject("fields").putObject("keyword").put("type", "keyword").put("ignore_above", 1024);
    props.putObject("mode").put("type", "keyword");
    ObjectNode embedding = props.putObject("embedding");
    embedding.put("type", "dense_vector");
    embedding.put("dims", spec.dims());
    embedding.put("index", true);
    embedding.put("similarity", spec.similarity());
    embedding.putObject("index_options").put("type", spec.indexOptionsType());
    props.putObject("model_version").put("type", "keyword");
    ObjectNode pixels = props.putObject("pixels");
    pixels.put("type", "object");
    ObjectNode pixelProps = pixels.putObject("properties");
    pixelProps.putObject("height").put("type", "integer");
    pixelProps.putObject("width").put("type", "integer");
    props.putObject("metadata").put("type", "object").put("dynamic", true);
    props.putObject("event_time").put("type", "date");
    props.putObject("indexed_at").put("type", "date");
    return body;
  }

  // ------------------------------------------------------------------ ensure

  /**
   * Makes sure the versioned index exists with a fitting mapping and that the alias points at it.
   * Safe to call from every job start (and concurrently): creates only what is missing, never
   * changes an existing index, and moves an alias that points elsewhere only when {@link
   * IndexSpec#moveAlias()} is set — otherwise the result reports it.
   *
   * @throws IndexMappingConflictException when the index exists with other dims or similarity
   */
  public EnsureResult ensureIndex(IndexSpec spec) {
    String index = versionedIndexName(spec.prefix(), spec.modelVersion());
    String alias = sanitize(spec.prefix());
    boolean created = false;
    if (!exists(index)) {
      created = create(index, spec);
    }
    List<String> notes = new ArrayList<>();
    verifyMapping(index, spec, notes);
    AliasOutcome aliasOutcome = AliasOutcome.SKIPPED;
    List<String> previousTargets = List.of();
    if (spec.manageAlias()) {
      previousTargets = aliasTargets(alias);
      if (previousTargets.isEmpty() && exists(alias)) {
        aliasOutcome = AliasOutcome.NAME_TAKEN_BY_INDEX;
        notes.add("[" + alias + "] is a concrete index, not an alias: left alone; search [" + index + "] directly");
      } else if (previousTargets.isEmpty()) {
        updateAliases(index, alias, List.of());
        aliasOutcome = AliasOutcome.CREATED;
      } else if (previousTargets.equals(List.of(index))) {
        aliasOutcome = AliasOutcome.ALREADY_POINTS_HERE;
      } else if (spec.moveAlias()) {
        List<String> remove = new ArrayList<>(previousTargets);
        remove.remove(index);
        updateAliases(index, alias, remove);
        aliasOutcome = AliasOutcome.MOVED;
        notes.add("alias [" + alias + "] moved from " + previousTargets + " to [" + index + "]");
      } else {
        aliasOutcome = AliasOutcome.POINTS_ELSEWHERE;
        notes.add(
            "alias ["
                + alias
                + "] points at "
                + previousTargets
                + ", not at ["
                + index
                + "]: left alone (searches via the alias see the other index); move it when the"
                + " backfill is done");
      }
    }
    EnsureResult result = new EnsureResult(index, alias, created, aliasOutcome, previousTargets, notes);
    LOG.info("{}", result);
    return result;
  }

  /** The {@code embedding} field of {@code index} (dims, similarity, index_options type), if it has one. */
  public Optional<EmbeddingMapping> embeddingMapping(String index) {
    JsonNode mappings = get("/" + index + "/_mapping");
    for (Iterator<Map.Entry<String, JsonNode>> it = mappings.fields(); it.hasNext(); ) {
      JsonNode embedding = it.next().getValue().path("mappings").path("properties").path("embedding");
      if (embedding.isMissingNode()) {
        continue;
      }
      return Optional.of(
          new EmbeddingMapping(
              embedding.path("type").asText(null),
              embedding.hasNonNull("dims") ? embedding.get("dims").asInt() : null,
              // Elasticsearch's default similarity for indexed float vectors is cosine.
              embedding.path("similarity").asText("cosine"),
              embedding.path("index_options").path("type").asText(null)));
    }
    return Optional.empty();
  }

  /** The concrete indices {@code alias} points at (empty when there is no such alias). */
  public List<String> aliasTargets(String alias) {
    Request request = new Request("GET", "/_alias/" + alias);
    request.addParameter("ignore", "404");
    JsonNode body = perform(request);
    List<String> targets = new ArrayList<>();
    if (body.has("error") || body.path("status").asInt(200) == 404) {
      return targets;
    }
    body.fieldNames().forEachRemaining(targets::add);
    targets.sort(null);
    return targets;
  }

  private void verifyMapping(String index, IndexSpec spec, List<String> notes) {
    Optional<EmbeddingMapping> mapping = embeddingMapping(index);
    if (mapping.isEmpty() || !"dense_vector".equals(mapping.get().type())) {
      throw new IndexMappingConflictException(
          index, spec.dims(), null, spec.similarity(), mapping.map(EmbeddingMapping::similarity).orElse(null),
          mapping.isEmpty() ? "no embedding field" : "embedding is of type " + mapping.get().type());
    }
    EmbeddingMapping m = mapping.get();
    if (!Objects.equals(m.dims(), spec.dims()) || !spec.similarity().equals(m.similarity())) {
      throw new IndexMappingConflictException(index, spec.dims(), m.dims(), spec.similarity(), m.similarity(), null);
    }
    if (m.indexOptionsType() != null && !m.indexOptionsType().equals(spec.indexOptionsType())) {
      notes.add("index [" + index + "] uses index_options " + m.indexOptionsType() + ", not " + spec.indexOptionsType() + " (kept)");
    }
  }

  private boolean create(String index, IndexSpec spec) {
    Request request = new Request("PUT", "/" + index);
    request.setJsonEntity(indexBody(spec).toString());
    try {
      rest.performRequest(request);
      LOG.info("created Elasticsearch index [{}] (dims {}, {}, {})", index, spec.dims(), spec.similarity(), spec.indexOptionsType());
      return true;
    } catch (ResponseException e) {
      // Another job start won the race: fine, the mapping check that follows decides.
      if (e.getResponse().getStatusLine().getStatusCode() == 400 && e.getMessage().contains("resource_already_exists_exception")) {
        return false;
      }
      throw failure("create index [" + index + "]", e);
    } catch (IOException e) {
      throw failure("create index [" + index + "]", e);
    }
  }

  private void updateAliases(String index, String alias, List<String> removeFrom) {
    ObjectNode body = JSON.createObjectNode();
    ArrayNode actions = body.putArray("actions");
    for (String old : removeFrom) {
      actions.addObject().putObject("remove").put("index", old).put("alias", alias);
    }
    actions.addObject().putObject("add").put("index", index).put("alias", alias);
    Request request = new Request("POST", "/_aliases");
    request.setJsonEntity(body.toString());
    perform(request);
  }

  private boolean exists(String indexOrAlias) {
    try {
      Response response = rest.performRequest(new Request("HEAD", "/" + indexOrAlias));
      return response.getStatusLine().getStatusCode() == 200;
    } catch (IOException e) {
      throw failure("check index [" + indexOrAlias + "]", e);
    }
  }

  private JsonNode get(String path) {
    return perform(new Request("GET", path));
  }

  private JsonNode perform(Request request) {
    try {
      Response response = rest.performRequest(request);
      if (response.getEntity() == null) {
        return JSON.createObjectNode();
      }
      try (InputStream in = response.getEntity().getContent()) {
        return JSON.readTree(in);
      }
    } catch (IOException e) {
      throw failure(request.getMethod() + " " + request.getEndpoint(), e);
    }
  }

  private static RuntimeException failure(String what, IOException e) {
    if (e instanceof ResponseException) {
      int status = ((ResponseException) e).getResponse().getStatusLine().getStatusCode();
      String body = "";
      try {
        body = EntityUtils.toString(((ResponseException) e).getResponse().getEntity());
      } catch (Exception ignored) {
        // the message below still carries the status
      }
      return new ElasticsearchSinkException(
          "Elasticsearch refused to " + what + ": HTTP " + status + " " + body + ". Fix: "
              + BulkItemClassifier.fixHint(status, null, body), e);
    }
    return new UncheckedIOException("cannot " + what + " (is Elasticsearch reachable at the configured hosts?): " + e, e);
  }

  private static void requireText(String value, String what) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(what + " must not be blank");
    }
  }

  @Override
  public void close() throws IOException {
    if (ownsClient) {
      rest.close();
    }
  }

  // ------------------------------------------------------------------ value types

  /** What happened to the alias. */
  public enum AliasOutcome {
    CREATED,
    ALREADY_POINTS_HERE,
    /** The alias points at other indices and moving was not asked for: reported, unchanged. */
    POINTS_ELSEWHERE,
    MOVED,
    /** A concrete index carries the alias's name: reported, unchanged. */
    NAME_TAKEN_BY_INDEX,
    SKIPPED
  }

  /** The {@code embedding} field as the cluster has it. */
  public record EmbeddingMapping(String type, Integer dims, String similarity, String indexOptionsType) {}

  /** What {@link #ensureIndex} found and did. */
  public record EnsureResult(
      String index, String alias, boolean created, AliasOutcome aliasOutcome, List<String> aliasPreviousTargets, List<String> notes) {

    @Override
    public String toString() {
      return "index [" + index + "] " + (created ? "created" : "exists") + ", alias [" + alias + "] "
          + aliasOutcome.name().toLowerCase(Locale.ROOT) + (notes.isEmpty() ? "" : "; " + String.join("; ", notes));
    }
  }

  /** The index to ensure: prefix, model version, dims, similarity, index_options; built with checked setters. */
  public static final class IndexSpec {
    private final String prefix;
    private final String modelVersion;
    private final int dims;
    private final String similarity;
    private final String indexOptionsType;
    private final Integer numberOfShards;
    private final Integer numberOfReplicas;
    private final boolean manageAlias;
    private final boolean moveAlias;

    private IndexSpec(Builder b) {
      this.prefix = b.prefix;
      this.modelVersion = b.modelVersion;
      this.dims = b.dims;
      this.similarity = b.similarity;
      this.indexOptionsType = b.indexOptionsType;
      this.numberOfShards = b.numberOfShards;
      this.numberOfReplicas = b.numberOfReplicas;
      this.manageAlias = b.manageAlias;
      this.moveAlias = b.moveAlias;
    }

    public static Builder builder() {
      return new Builder();
    }

    /** The spec for a model (version, dims) with the {@code elasticsearch.index.*} options of {@link ElasticsearchSinkOptions}. */
    public static IndexSpec fromConfiguration(org.apache.flink.configuration.ReadableConfig config, String modelVersion, int dims) {
      Builder b =
          builder()
              .setPrefix(config.get(ElasticsearchSinkOptions.INDEX_PREFIX))
              .setModelVersion(modelVersion)
              .setDims(dims)
              .setIndexOptionsType(config.get(ElasticsearchSinkOptions.INDEX_OPTIONS_TYPE))
              .setMoveAlias(config.get(ElasticsearchSinkOptions.INDEX_MOVE_ALIAS));
      config.getOptional(ElasticsearchSinkOptions.INDEX_SHARDS).ifPresent(b::setNumberOfShards);
      config.getOptional(ElasticsearchSinkOptions.INDEX_REPLICAS).ifPresent(b::setNumberOfReplicas);
      return b.build();
    }

    public String prefix() {
      return prefix;
    }

    public String modelVersion() {
      return modelVersion;
    }

    public int dims() {
      return dims;
    }

    public String similarity() {
      return similarity;
    }

    public String indexOptionsType() {
      return indexOptionsType;
    }

    public Optional<Integer> numberOfShards() {
      return Optional.ofNullable(numberOfShards);
    }

    public Optional<Integer> numberOfReplicas() {
      return Optional.ofNullable(numberOfReplicas);
    }

    public boolean manageAlias() {
      return manageAlias;
    }

    public boolean moveAlias() {
      return moveAlias;
    }

    /** Checked setters for {@link IndexSpec}. */
    public static final class Builder {
      private static final List<String> SIMILARITIES = List.of("dot_product", "cosine", "l2_norm", "max_inner_product");
      private static final List<String> INDEX_OPTION_TYPES =
          List.of("hnsw", "int8_hnsw", "int4_hnsw", "bbq_hnsw", "flat", "int8_flat", "int4_flat", "bbq_flat");

      private String prefix;
      private String modelVersion;
      private int dims;
      private String similarity = "dot_product";
      private String indexOptionsType = "int8_hnsw";
      private Integer numberOfShards;
      private Integer numberOfReplicas;
      private boolean manageAlias = true;
      private boolean moveAlias;

      private Builder() {}

      /** The alias and the first part of the index name, e.g. {@code abc-embeddings}. */
      public Builder setPrefix(String prefix) {
        this.prefix = sanitize(prefix);
        return this;
      }

      /** The model bundle's version (manifest), the second part of the index name. */
      public Builder setModelVersion(String modelVersion) {
        requireText(modelVersion, "model version");
        this.modelVersion = modelVersion;
        return this;
      }

      /** The model bundle's embedding dims. */
      public Builder setDims(int dims) {
        if (dims < 1 || dims > 4096) {
          throw new IllegalArgumentException("dense_vector dims must be in 1..4096, got " + dims);
        }
        this.dims = dims;
        return this;
      }

      /** Default {@code dot_product} (the model emits unit vectors). */
      public Builder setSimilarity(String similarity) {
        if (!SIMILARITIES.contains(similarity)) {
          throw new IllegalArgumentException("similarity must be one of " + SIMILARITIES + ", got " + similarity);
        }
        this.similarity = similarity;
        return this;
      }

      /** Default {@code int8_hnsw}. */
      public Builder setIndexOptionsType(String type) {
        if (!INDEX_OPTION_TYPES.contains(type)) {
          throw new IllegalArgumentException("index_options type must be one of " + INDEX_OPTION_TYPES + ", got " + type);
        }
        this.indexOptionsType = type;
        return this;
      }

      public Builder setNumberOfShards(int shards) {
        if (shards < 1) {
          throw new IllegalArgumentException("number of shards must be >= 1, got " + shards);
        }
        this.numberOfShards = shards;
        return this;
      }

      public Builder setNumberOfReplicas(int replicas) {
        if (replicas < 0) {
          throw new IllegalArgumentException("number of replicas must be >= 0, got " + replicas);
        }
        this.numberOfReplicas = replicas;
        return this;
      }

      /** Whether to create the alias {@code <prefix>} when missing (default true). */
      public Builder setManageAlias(boolean manage) {
        this.manageAlias = manage;
        return this;
      }

      /** Whether to move the alias to this index when it points elsewhere (default false: report only). */
      public Builder setMoveAlias(boolean move) {
        this.moveAlias = move;
        return this;
      }

      public IndexSpec build() {
        requireText(prefix, "index prefix");
        requireText(modelVersion, "model version");
        if (dims == 0) {
          throw new IllegalStateException("dims are required (the model bundle's embedding dims)");
        }
        return new IndexSpec(this);
      }
    }
  }
}
