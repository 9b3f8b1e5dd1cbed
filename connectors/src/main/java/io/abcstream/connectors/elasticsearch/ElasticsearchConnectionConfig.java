package io.abcstream.connectors.elasticsearch;

import java.io.InputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.http.Header;
import org.apache.http.HttpHost;
import org.apache.http.auth.AuthScope;
import org.apache.http.auth.UsernamePasswordCredentials;
import org.apache.http.conn.ssl.NoopHostnameVerifier;
import org.apache.http.impl.client.BasicCredentialsProvider;
import org.apache.http.message.BasicHeader;
import org.elasticsearch.client.RestClient;
import org.elasticsearch.client.RestClientBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How to reach the cluster (hosts, path prefix, auth by reference, TLS): serializable configuration
 * only; {@link #createRestClient()} builds the client where it runs. Unset parts are null.
 */
public record ElasticsearchConnectionConfig(
    List<String> hosts,
    String pathPrefix,
    String username,
    SecretRef password,
    SecretRef apiKey,
    String truststorePath,
    String truststoreType,
    SecretRef truststorePassword,
    String caPemPath,
    boolean tlsVerify,
    Duration connectTimeout,
    Duration socketTimeout)
    implements Serializable {

  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(ElasticsearchConnectionConfig.class);
  // Once per JVM: every operator instance builds its own client.
  private static final AtomicBoolean WARNED_CLEARTEXT_AUTH = new AtomicBoolean();

  public ElasticsearchConnectionConfig {
    hosts = checkedHosts(hosts);
    if (pathPrefix != null && (pathPrefix.isBlank() || !pathPrefix.startsWith("/"))) {
      throw new IllegalArgumentException("path prefix must start with '/', got " + pathPrefix);
    }
    if (username != null && username.isBlank()) {
      throw new IllegalArgumentException("username must not be blank");
    }
    if (username != null && password == null) {
      throw new IllegalArgumentException(
          "a username needs a password reference ("
              + ElasticsearchSinkOptions.PASSWORD_ENV.key()
              + " or .file)");
    }
    if (username == null && password != null) {
      throw new IllegalArgumentException(
          "a password reference needs " + ElasticsearchSinkOptions.USERNAME.key());
    }
    if (apiKey != null && username != null) {
      throw new IllegalArgumentException(
          "configure either an API key or a username/password, not both");
    }
    if (truststorePath != null) {
      if (truststorePath.isBlank()) {
        throw new IllegalArgumentException("trust store path must not be blank");
      }
      if (!"PKCS12".equalsIgnoreCase(truststoreType) && !"JKS".equalsIgnoreCase(truststoreType)) {
        throw new IllegalArgumentException(
            "trust store type must be PKCS12 or JKS, got " + truststoreType);
      }
      truststoreType = truststoreType.toUpperCase(Locale.ROOT);
    } else {
      // Without a trust store its type and password mean nothing.
      truststoreType = ElasticsearchSinkOptions.TRUSTSTORE_TYPE.defaultValue();
      truststorePassword = null;
    }
    if (caPemPath != null && caPemPath.isBlank()) {
      throw new IllegalArgumentException("CA PEM path must not be blank");
    }
    if (truststorePath != null && caPemPath != null) {
      throw new IllegalArgumentException(
          "configure either a trust store or a CA PEM file, not both");
    }
    positive(connectTimeout, "connect timeout");
    positive(socketTimeout, "socket timeout");
    for (String file : new String[] {truststorePath, caPemPath}) {
      if (file != null && !Files.isReadable(Path.of(file))) {
        // Only a warning: the file may exist on the TaskManagers but not where the job is built.
        LOG.warn("TLS file {} is not readable here; it must exist on the TaskManagers", file);
      }
    }
  }

  /** Reads the {@code elasticsearch.*} connection options of {@link ElasticsearchSinkOptions}. */
  public static ElasticsearchConnectionConfig fromConfiguration(ReadableConfig config) {
    List<String> hosts =
        config
            .getOptional(ElasticsearchSinkOptions.HOSTS)
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        ElasticsearchSinkOptions.HOSTS.key() + " is required"));
    // A file reference wins over an environment variable for the password and the API key; the
    // trust store password takes the environment variable first.
    SecretRef password =
        config
            .getOptional(ElasticsearchSinkOptions.PASSWORD_FILE)
            .map(SecretRef::file)
            .orElse(
                config
                    .getOptional(ElasticsearchSinkOptions.PASSWORD_ENV)
                    .map(SecretRef::env)
                    .orElse(null));
    SecretRef apiKey =
        config
            .getOptional(ElasticsearchSinkOptions.API_KEY_FILE)
            .map(SecretRef::file)
            .orElse(
                config
                    .getOptional(ElasticsearchSinkOptions.API_KEY_ENV)
                    .map(SecretRef::env)
                    .orElse(null));
    SecretRef truststorePassword =
        config
            .getOptional(ElasticsearchSinkOptions.TRUSTSTORE_PASSWORD_ENV)
            .map(SecretRef::env)
            .orElse(
                config
                    .getOptional(ElasticsearchSinkOptions.TRUSTSTORE_PASSWORD_FILE)
                    .map(SecretRef::file)
                    .orElse(null));
    return new ElasticsearchConnectionConfig(
        hosts,
        config.getOptional(ElasticsearchSinkOptions.PATH_PREFIX).orElse(null),
        config.getOptional(ElasticsearchSinkOptions.USERNAME).orElse(null),
        password,
        apiKey,
        config.getOptional(ElasticsearchSinkOptions.TRUSTSTORE_PATH).orElse(null),
        config.get(ElasticsearchSinkOptions.TRUSTSTORE_TYPE),
        truststorePassword,
        config.getOptional(ElasticsearchSinkOptions.CA_PEM_PATH).orElse(null),
        config.get(ElasticsearchSinkOptions.TLS_VERIFY),
        config.get(ElasticsearchSinkOptions.CONNECT_TIMEOUT),
        config.get(ElasticsearchSinkOptions.SOCKET_TIMEOUT));
  }

  /** Hosts only: no auth, default TLS, default timeouts. */
  public static ElasticsearchConnectionConfig forHosts(String... urls) {
    Configuration config = new Configuration();
    config.set(ElasticsearchSinkOptions.HOSTS, List.of(urls));
    return fromConfiguration(config);
  }

  /** Builds the low-level REST client: resolves secrets and TLS material now, on this machine. */
  public RestClient createRestClient() {
    HttpHost[] httpHosts = hosts.stream().map(HttpHost::create).toArray(HttpHost[]::new);
    RestClientBuilder builder = RestClient.builder(httpHosts);
    if (pathPrefix != null) {
      builder.setPathPrefix(pathPrefix);
    }
    if (apiKey != null) {
      builder.setDefaultHeaders(
          new Header[] {new BasicHeader("Authorization", "ApiKey " + apiKey.resolve())});
    }
    BasicCredentialsProvider credentials = null;
    if (username != null) {
      credentials = new BasicCredentialsProvider();
      credentials.setCredentials(
          AuthScope.ANY, new UsernamePasswordCredentials(username, password.resolve()));
    }
    SSLContext ssl = sslContext();
    BasicCredentialsProvider creds = credentials;
    builder.setHttpClientConfigCallback(
        http -> {
          if (creds != null) {
            http.setDefaultCredentialsProvider(creds);
          }
          if (ssl != null) {
            http.setSSLContext(ssl);
          }
          if (!tlsVerify) {
            http.setSSLHostnameVerifier(NoopHostnameVerifier.INSTANCE);
          }
          return http;
        });
    builder.setRequestConfigCallback(
        request ->
            request
                .setConnectTimeout((int) connectTimeout.toMillis())
                .setSocketTimeout((int) socketTimeout.toMillis()));
    if (!tlsVerify) {
      // At every client creation, not once: an unverified connection must never go unnoticed.
      LOG.warn(
          "Elasticsearch TLS verification is OFF ({}=false): any certificate and any host name"
              + " is accepted, so anyone on the path can read the credentials and change the data;"
              + " configure {} or {} instead",
          ElasticsearchSinkOptions.TLS_VERIFY.key(),
          ElasticsearchSinkOptions.CA_PEM_PATH.key(),
          ElasticsearchSinkOptions.TRUSTSTORE_PATH.key());
    }
    List<String> cleartext = hosts.stream().filter(h -> h.startsWith("http:")).toList();
    if ((username != null || apiKey != null)
        && !cleartext.isEmpty()
        && WARNED_CLEARTEXT_AUTH.compareAndSet(false, true)) {
      LOG.warn(
          "Elasticsearch credentials ({}) go over plain http to {}: anyone on the path can read"
              + " them; use https:// hosts",
          apiKey != null ? "API key" : "basic auth",
          cleartext);
    }
    return builder.build();
  }

  private SSLContext sslContext() {
    try {
      if (!tlsVerify) {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {new TrustAllManager()}, new SecureRandom());
        return context;
      }
      KeyStore trust = null;
      if (truststorePath != null) {
        trust = KeyStore.getInstance(truststoreType);
        char[] pw = truststorePassword == null ? null : truststorePassword.resolve().toCharArray();
        try (InputStream in = Files.newInputStream(Paths.get(truststorePath))) {
          trust.load(in, pw);
        }
      } else if (caPemPath != null) {
        trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        Collection<? extends Certificate> certs;
        try (InputStream in = Files.newInputStream(Paths.get(caPemPath))) {
          certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
        }
        if (certs.isEmpty()) {
          throw new IllegalArgumentException("no certificate in " + caPemPath);
        }
        int i = 0;
        for (Certificate cert : certs) {
          trust.setCertificateEntry("ca-" + i++, cert);
        }
      }
      if (trust == null) {
        return null; // the JVM's default trust store
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, tmf.getTrustManagers(), new SecureRandom());
      return context;
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(
          "cannot set up TLS for Elasticsearch (elasticsearch.tls.*: truststore "
              + truststorePath
              + ", CA "
              + caPemPath
              + "): "
              + e,
          e);
    }
  }

  @Override
  public String toString() {
    return "ElasticsearchConnectionConfig{hosts="
        + hosts
        + ", pathPrefix="
        + pathPrefix
        + ", auth="
        + (apiKey != null
            ? "apiKey(" + apiKey + ")"
            : username != null ? "basic(" + username + ", " + password + ")" : "none")
        + ", tls="
        + (truststorePath != null
            ? "truststore " + truststorePath
            : caPemPath != null ? "ca " + caPemPath : "default")
        + (tlsVerify ? "" : " UNVERIFIED")
        + "}";
  }

  /** Lets a test see the once-per-JVM warning again. */
  static void resetWarnings() {
    WARNED_CLEARTEXT_AUTH.set(false);
  }

  /** Accepts any server certificate: only reachable through {@code tls.verify=false}. */
  private static final class TrustAllManager implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }

  /** Node URLs like {@code http://127.0.0.1:9200}; scheme required. */
  private static List<String> checkedHosts(List<String> urls) {
    if (urls == null || urls.isEmpty()) {
      throw new IllegalArgumentException(
          "Elasticsearch hosts are required (" + ElasticsearchSinkOptions.HOSTS.key() + ")");
    }
    for (String url : urls) {
      if (url == null || !(url.startsWith("http://") || url.startsWith("https://"))) {
        throw new IllegalArgumentException(
            "Elasticsearch host must be an http:// or https:// URL, got " + url);
      }
      HttpHost.create(url); // fails early on a malformed URL
    }
    return List.copyOf(urls);
  }

  private static void positive(Duration d, String what) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be positive, got " + d);
    }
  }
}
