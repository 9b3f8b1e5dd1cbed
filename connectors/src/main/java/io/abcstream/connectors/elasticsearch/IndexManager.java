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
import org.apache.flink.configuration.ReadableConfig;
import org.apache.http.util.EntityUtils;
import org.elasticsearch.client.Request;
import org.elasticsearch.client.Response;
import org.elasticsearch.client.ResponseException;
import org.elasticsearch.client.RestClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the versioned index {@code <prefix>-<version>} with the mapping the job supplies and the
 * alias {@code <prefix>} (idempotent), and refuses an index whose vector fields do not fit it.
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

  /** {@code <prefix>-<version>} made a valid index name (see {@link #sanitize(String)}). */
  public static String versionedIndexName(String prefix, String version) {
    requireText(prefix, "index prefix");
    requireText(version, "index version");
    return sanitize(prefix + "-" + version);
  }

  /**
   * Applies Elasticsearch's index name rules: lower case; {@code \ / * ? " < > | , # :} and
   * whitespace become {@code -}; no leading {@code - _ +}; not {@code .}/{@code ..}; at most 255
   * bytes.
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
      throw new IllegalArgumentException(
          "'" + name + "' does not make a valid Elasticsearch index name");
    }
    return s;
  }

  // ------------------------------------------------------------------ mapping

  /** The index body: settings (shards, replicas when set) and the job's mappings, as JSON. */
  public static ObjectNode indexBody(IndexSpec spec) {
    ObjectNode body = JSON.createObjectNode();
    ObjectNode index = body.putObject("settings").putObject("index");
    spec.numberOfShards().ifPresent(n -> index.put("number_of_shards", n));
    spec.numberOfReplicas().ifPresent(n -> index.put("number_of_replicas", n));
    body.set("mappings", spec.mappings().deepCopy());
    return body;
  }

  // ------------------------------------------------------------------ ensure

  /**
   * Makes sure the versioned index exists with a fitting mapping and that the alias points at it.
   * Safe to call from every job start (and concurrently): creates only what is missing, never
   * changes an existing index, and moves an alias that points elsewhere only when {@link
   * IndexSpec#moveAlias()} is set — otherwise the result reports it.
   *
   * @throws IndexMappingConflictException when the index exists and one of the mapping's {@code
   *     dense_vector} fields has other dims or similarity there
   */
  public EnsureResult ensureIndex(IndexSpec spec) {
    String index = versionedIndexName(spec.prefix(), spec.version());
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
        notes.add(
            "["
                + alias
                + "] is a concrete index, not an alias: left alone; search ["
                + index
                + "] directly");
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
    EnsureResult result =
        new EnsureResult(index, alias, created, aliasOutcome, previousTargets, notes);
    LOG.info("{}", result);
    return result;
  }

  /**
   * The {@code dense_vector} field {@code field} of {@code index} as the cluster has it, if it has
   * that field.
   */
  public Optional<DenseVectorMapping> denseVectorMapping(String index, String field) {
    JsonNode mappings = get("/" + index + "/_mapping");
    for (Iterator<Map.Entry<String, JsonNode>> it = mappings.fields(); it.hasNext(); ) {
      JsonNode vector = it.next().getValue().path("mappings").path("properties").path(field);
      if (vector.isMissingNode()) {
        continue;
      }
      return Optional.of(DenseVectorMapping.of(vector));
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

  /**
   * Checks every {@code dense_vector} field the spec's mappings declare against the existing index.
   */
  private void verifyMapping(String index, IndexSpec spec, List<String> notes) {
    for (Iterator<Map.Entry<String, JsonNode>> it = spec.mappings().path("properties").fields();
        it.hasNext(); ) {
      Map.Entry<String, JsonNode> property = it.next();
      if (!"dense_vector".equals(property.getValue().path("type").asText())) {
        continue;
      }
      String field = property.getKey();
      DenseVectorMapping wanted = DenseVectorMapping.of(property.getValue());
      Optional<DenseVectorMapping> mapping = denseVectorMapping(index, field);
      if (mapping.isEmpty() || !"dense_vector".equals(mapping.get().type())) {
        throw new IndexMappingConflictException(
            index,
            field,
            wanted.dims(),
            null,
            wanted.similarity(),
            mapping.map(DenseVectorMapping::similarity).orElse(null),
            mapping.isEmpty()
                ? "no " + field + " field"
                : field + " is of type " + mapping.get().type());
      }
      DenseVectorMapping m = mapping.get();
      if (!Objects.equals(m.dims(), wanted.dims()) || !wanted.similarity().equals(m.similarity())) {
        throw new IndexMappingConflictException(
            index, field, wanted.dims(), m.dims(), wanted.similarity(), m.similarity(), null);
      }
      if (m.indexOptionsType() != null
          && wanted.indexOptionsType() != null
          && !m.indexOptionsType().equals(wanted.indexOptionsType())) {
        notes.add(
            "index ["
                + index
                + "] uses index_options "
                + m.indexOptionsType()
                + " for "
                + field
                + ", not "
                + wanted.indexOptionsType()
                + " (kept)");
      }
    }
  }

  private boolean create(String index, IndexSpec spec) {
    Request request = new Request("PUT", "/" + index);
    request.setJsonEntity(indexBody(spec).toString());
    try {
      rest.performRequest(request);
      LOG.info("created Elasticsearch index [{}]", index);
      return true;
    } catch (ResponseException e) {
      // Another job start won the race: fine, the mapping check that follows decides.
      if (e.getResponse().getStatusLine().getStatusCode() == 400
          && e.getMessage().contains("resource_already_exists_exception")) {
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
          "Elasticsearch refused to "
              + what
              + ": HTTP "
              + status
              + " "
              + body
              + ". Fix: "
              + BulkItemClassifier.fixHint(status, null, body),
          e);
    }
    return new UncheckedIOException(
        "cannot " + what + ": " + e + ". Fix: " + BulkItemClassifier.fixHint(e), e);
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

  /** A {@code dense_vector} field's mapping; {@code dims} is null when unset. */
  public record DenseVectorMapping(
      String type, Integer dims, String similarity, String indexOptionsType) {

    static DenseVectorMapping of(JsonNode field) {
      return new DenseVectorMapping(
          field.path("type").asText(null),
          field.hasNonNull("dims") ? field.get("dims").asInt() : null,
          // Elasticsearch's default similarity for indexed float vectors is cosine.
          field.path("similarity").asText("cosine"),
          field.path("index_options").path("type").asText(null));
    }
  }

  /** What {@link #ensureIndex} found and did. */
  public record EnsureResult(
      String index,
      String alias,
      boolean created,
      AliasOutcome aliasOutcome,
      List<String> aliasPreviousTargets,
      List<String> notes) {

    @Override
    public String toString() {
      return "index ["
          + index
          + "] "
          + (created ? "created" : "exists")
          + ", alias ["
          + alias
          + "] "
          + aliasOutcome.name().toLowerCase(Locale.ROOT)
          + (notes.isEmpty() ? "" : "; " + String.join("; ", notes));
    }
  }

  /**
   * The index to ensure: alias {@code prefix}, index {@code <prefix>-<version>} with {@code
   * mappings} (the job's document mapping), optional shard and replica counts, and what to do with
   * the alias.
   */
  public record IndexSpec(
      String prefix,
      String version,
      ObjectNode mappings,
      Optional<Integer> numberOfShards,
      Optional<Integer> numberOfReplicas,
      boolean manageAlias,
      boolean moveAlias) {

    public IndexSpec {
      prefix = sanitize(prefix);
      requireText(version, "index version");
      Objects.requireNonNull(mappings, "mappings");
      Objects.requireNonNull(numberOfShards, "numberOfShards");
      Objects.requireNonNull(numberOfReplicas, "numberOfReplicas");
      numberOfShards.ifPresent(
          n -> {
            if (n < 1) {
              throw new IllegalArgumentException("number of shards must be >= 1, got " + n);
            }
          });
      numberOfReplicas.ifPresent(
          n -> {
            if (n < 0) {
              throw new IllegalArgumentException("number of replicas must be >= 0, got " + n);
            }
          });
    }

    /** Cluster-default shards and replicas, the alias created when missing and never moved. */
    public static IndexSpec of(String prefix, String version, ObjectNode mappings) {
      return new IndexSpec(
          prefix, version, mappings, Optional.empty(), Optional.empty(), true, false);
    }

    /**
     * The spec for {@code version} and {@code mappings} with the {@code elasticsearch.index.*}
     * options of {@link ElasticsearchSinkOptions}.
     */
    public static IndexSpec fromConfiguration(
        ReadableConfig config, String version, ObjectNode mappings) {
      return new IndexSpec(
          config.get(ElasticsearchSinkOptions.INDEX_PREFIX),
          version,
          mappings,
          config.getOptional(ElasticsearchSinkOptions.INDEX_SHARDS),
          config.getOptional(ElasticsearchSinkOptions.INDEX_REPLICAS),
          true,
          config.get(ElasticsearchSinkOptions.INDEX_MOVE_ALIAS));
    }

    public IndexSpec withNumberOfReplicas(int replicas) {
      return new IndexSpec(
          prefix, version, mappings, numberOfShards, Optional.of(replicas), manageAlias, moveAlias);
    }

    /** Whether to create the alias {@code <prefix>} when missing. */
    public IndexSpec withManageAlias(boolean manage) {
      return new IndexSpec(
          prefix, version, mappings, numberOfShards, numberOfReplicas, manage, moveAlias);
    }

    /**
     * Whether to move the alias to this index when it points elsewhere (otherwise: report only).
     */
    public IndexSpec withMoveAlias(boolean move) {
      return new IndexSpec(
          prefix, version, mappings, numberOfShards, numberOfReplicas, manageAlias, move);
    }
  }
}
