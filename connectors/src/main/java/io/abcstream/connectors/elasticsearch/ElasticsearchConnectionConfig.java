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
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
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
 * only; {@link #createRestClient()} builds the client where it runs.
 */
public final class ElasticsearchConnectionConfig implements Serializable {

  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(ElasticsearchConnectionConfig.class);

  private final List<String> hosts;
  private final String pathPrefix;
  private final String username;
  private final SecretRef password;
  private final SecretRef apiKey;
  private final String truststorePath;
  private final String truststoreType;
  private final SecretRef truststorePassword;
  private final String caPemPath;
  private final boolean tlsVerify;
  private final Duration connectTimeout;
  private final Duration socketTimeout;

  private ElasticsearchConnectionConfig(Builder b) {
    this.hosts = List.copyOf(b.hosts);
    this.pathPrefix = b.pathPrefix;
    this.username = b.username;
    this.password = b.password;
    this.apiKey = b.apiKey;
    this.truststorePath = b.truststorePath;
    this.truststoreType = b.truststoreType;
    this.truststorePassword = b.truststorePassword;
    this.caPemPath = b.caPemPath;
    this.tlsVerify = b.tlsVerify;
    this.connectTimeout = b.connectTimeout;
    this.socketTimeout = b.socketTimeout;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Reads the {@code elasticsearch.*} connection options of {@link ElasticsearchSinkOptions}. */
  public static ElasticsearchConnectionConfig fromConfiguration(ReadableConfig config) {
    Builder b = builder();
    b.setHosts(config.getOptional(ElasticsearchSinkOptions.HOSTS)
        .orElseThrow(() -> new IllegalArgumentException(ElasticsearchSinkOptions.HOSTS.key() + " is required")));
    config.getOptional(ElasticsearchSinkOptions.PATH_PREFIX).ifPresent(b::setPathPrefix);
    config.getOptional(ElasticsearchSinkOptions.USERNAME).ifPresent(b::setUsername);
    config.getOptional(ElasticsearchSinkOptions.PASSWORD_ENV).ifPresent(v -> b.setPassword(SecretRef.env(v)));
    config.getOptional(ElasticsearchSinkOptions.PASSWORD_FILE).ifPresent(v -> b.setPassword(SecretRef.file(v)));
    config.getOptional(ElasticsearchSinkOptions.API_KEY_ENV).ifPresent(v -> b.setApiKey(SecretRef.env(v)));
    config.getOptional(ElasticsearchSinkOptions.API_KEY_FILE).ifPresent(v -> b.setApiKey(SecretRef.file(v)));
    config.getOptional(ElasticsearchSinkOptions.TRUSTSTORE_PATH).ifPresent(p -> {
      SecretRef pw = config.getOptional(ElasticsearchSinkOptions.TRUSTSTORE_PASSWORD_ENV).map(SecretRef::env)
          .orElse(config.getOptional(ElasticsearchSinkOptions.TRUSTSTORE_PASSWORD_FILE).map(SecretRef::file).orElse(null));
      b.setTruststore(p, config.get(ElasticsearchSinkOptions.TRUSTSTORE_TYPE), pw);
    });
    config.getOptional(ElasticsearchSinkOptions.CA_PEM_PATH).ifPresent(b::setCaPem);
    b.setTlsVerify(config.get(ElasticsearchSinkOptions.TLS_VERIFY));
    b.setConnectTimeout(config.get(ElasticsearchSinkOptions.CONNECT_TIMEOUT));
    b.setSocketTimeout(config.get(ElasticsearchSinkOptions.SOCKET_TIMEOUT));
    return b.build();
  }

  public List<String> hosts() {
    return hosts;
  }

  public Duration socketTimeout() {
    return socketTimeout;
  }

  /** Builds the low-level REST client: resolves secrets and TLS material now, on this machine. */
  public RestClient createRestClient() {
    HttpHost[] httpHosts = hosts.stream().map(HttpHost::create).toArray(HttpHost[]::new);
    RestClientBuilder builder = RestClient.builder(httpHosts);
    if (pathPrefix != null) {
      builder.setPathPrefix(pathPrefix);
    }
    if (apiKey != null) {
      builder.setDefaultHeaders(new Header[] {new BasicHeader("Authorization", "ApiKey " + apiKey.resolve())});
    }
    BasicCredentialsProvider credentials = null;
    if (username != null) {
      credentials = new BasicCredentialsProvider();
      credentials.setCredentials(AuthScope.ANY, new UsernamePasswordCredentials(username, password.resolve()));
    }
    SSLContext ssl = sslContext();
    boolean anyHttps = hosts.stream().anyMatch(h -> h.startsWith("https:"));
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
    if (!tlsVerify && anyHttps) {
      LOG.warn("Elasticsearch TLS verification is OFF (elasticsearch.tls.verify=false): anyone on the path can read and change the data");
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
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
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
    return "ElasticsearchConnectionConfig{hosts=" + hosts + ", pathPrefix=" + pathPrefix
        + ", auth=" + (apiKey != null ? "apiKey(" + apiKey + ")" : username != null ? "basic(" + username + ", " + password + ")" : "none")
        + ", tls=" + (truststorePath != null ? "truststore " + truststorePath : caPemPath != null ? "ca " + caPemPath : "default")
        + (tlsVerify ? "" : " UNVERIFIED") + "}";
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

  /** Checked setters; {@link #build()} validates the combination. */
  public static final class Builder {
    private final List<String> hosts = new ArrayList<>();
    private String pathPrefix;
    private String username;
    private SecretRef password;
    private SecretRef apiKey;
    private String truststorePath;
    private String truststoreType = "PKCS12";
    private SecretRef truststorePassword;
    private String caPemPath;
    private boolean tlsVerify = true;
    private Duration connectTimeout = ElasticsearchSinkOptions.CONNECT_TIMEOUT.defaultValue();
    private Duration socketTimeout = ElasticsearchSinkOptions.SOCKET_TIMEOUT.defaultValue();

    private Builder() {}

    /** Node URLs like {@code http://127.0.0.1:9200}; scheme required. */
    public Builder setHosts(List<String> urls) {
      Objects.requireNonNull(urls, "hosts");
      if (urls.isEmpty()) {
        throw new IllegalArgumentException("at least one Elasticsearch host is required");
      }
      hosts.clear();
      for (String url : urls) {
        if (url == null || !(url.startsWith("http://") || url.startsWith("https://"))) {
          throw new IllegalArgumentException("Elasticsearch host must be an http:// or https:// URL, got " + url);
        }
        HttpHost.create(url); // fails early on a malformed URL
        hosts.add(url);
      }
      return this;
    }

    public Builder setHosts(String... urls) {
      return setHosts(List.of(urls));
    }

    public Builder setPathPrefix(String prefix) {
      if (prefix == null || prefix.isBlank() || !prefix.startsWith("/")) {
        throw new IllegalArgumentException("path prefix must start with '/', got " + prefix);
      }
      this.pathPrefix = prefix;
      return this;
    }

    public Builder setUsername(String username) {
      if (username == null || username.isBlank()) {
        throw new IllegalArgumentException("username must not be blank");
      }
      this.username = username;
      return this;
    }

    public Builder setPassword(SecretRef password) {
      this.password = Objects.requireNonNull(password, "password");
      return this;
    }

    public Builder setApiKey(SecretRef apiKey) {
      this.apiKey = Objects.requireNonNull(apiKey, "apiKey");
      return this;
    }

    public Builder setTruststore(String path, String type, SecretRef password) {
      if (path == null || path.isBlank()) {
        throw new IllegalArgumentException("trust store path must not be blank");
      }
      if (!"PKCS12".equalsIgnoreCase(type) && !"JKS".equalsIgnoreCase(type)) {
        throw new IllegalArgumentException("trust store type must be PKCS12 or JKS, got " + type);
      }
      this.truststorePath = path;
      this.truststoreType = type.toUpperCase(java.util.Locale.ROOT);
      this.truststorePassword = password;
      return this;
    }

    public Builder setCaPem(String path) {
      if (path == null || path.isBlank()) {
        throw new IllegalArgumentException("CA PEM path must not be blank");
      }
      this.caPemPath = path;
      return this;
    }

    public Builder setTlsVerify(boolean verify) {
      this.tlsVerify = verify;
      return this;
    }

    public Builder setConnectTimeout(Duration timeout) {
      this.connectTimeout = positive(timeout, "connect timeout");
      return this;
    }

    public Builder setSocketTimeout(Duration timeout) {
      this.socketTimeout = positive(timeout, "socket timeout");
      return this;
    }

    public ElasticsearchConnectionConfig build() {
      if (hosts.isEmpty()) {
        throw new IllegalArgumentException("Elasticsearch hosts are required (" + ElasticsearchSinkOptions.HOSTS.key() + ")");
      }
      if (username != null && password == null) {
        throw new IllegalArgumentException("a username needs a password reference (" + ElasticsearchSinkOptions.PASSWORD_ENV.key() + " or .file)");
      }
      if (username == null && password != null) {
        throw new IllegalArgumentException("a password reference needs " + ElasticsearchSinkOptions.USERNAME.key());
      }
      if (apiKey != null && username != null) {
        throw new IllegalArgumentException("configure either an API key or a username/password, not both");
      }
      if (truststorePath != null && caPemPath != null) {
        throw new IllegalArgumentException("configure either a trust store or a CA PEM file, not both");
      }
      for (String file : new String[] {truststorePath, caPemPath}) {
        if (file != null && !Files.isReadable(Path.of(file))) {
          // Only a warning: the file may exist on the TaskManagers but not where the job is built.
          LOG.warn("TLS file {} is not readable here; it must exist on the TaskManagers", file);
        }
      }
      return new ElasticsearchConnectionConfig(this);
    }

    private static Duration positive(Duration d, String what) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive, got " + d);
      }
      return d;
    }
  }
}
