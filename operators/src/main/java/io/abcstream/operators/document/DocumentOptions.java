package io.abcstream.operators.document;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/** Options of the Elasticsearch document the job writes. */
public final class DocumentOptions {

  public static final ConfigOption<Boolean> STORE_URI_QUERY =
      ConfigOptions.key("elasticsearch.document.store-uri-query")
          .booleanType()
          .defaultValue(true)
          .withDescription(
              "Store image_uri with its query string and userinfo as the request gave them. "
                  + "false stores them as '<redacted>' (scheme, host and path kept), for "
                  + "pre-signed URLs whose signature must not sit in the index. Dead-letter "
                  + "messages and logs are always redacted; the dead letter's original value "
                  + "keeps the whole request for replay.");

  private DocumentOptions() {}
}
