package io.abcstream.jobs.config;

import java.util.Locale;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * Where the Kafka source starts ({@code kafka.starting-offsets}): the committed offsets (else the
 * earliest), the earliest, the latest, or the first offset at a timestamp.
 *
 * @param timestampMillis epoch milliseconds for {@link Kind#TIMESTAMP}, else 0
 */
public record StartingOffsets(Kind kind, long timestampMillis) {

  /** The four starting points. */
  public enum Kind {
    COMMITTED,
    EARLIEST,
    LATEST,
    TIMESTAMP
  }

  private static final String TIMESTAMP_PREFIX = "timestamp:";

  public StartingOffsets {
    if (kind == null) {
      throw new IllegalArgumentException("kind is required");
    }
    if (kind != Kind.TIMESTAMP && timestampMillis != 0) {
      throw new IllegalArgumentException("only a TIMESTAMP start has a timestamp");
    }
  }

  /** {@code committed}, {@code earliest}, {@code latest} or {@code timestamp:<epoch-millis>}. */
  public static StartingOffsets parse(String spec) {
    String s = spec == null ? "" : spec.trim().toLowerCase(Locale.ROOT);
    switch (s) {
      case "committed":
        return new StartingOffsets(Kind.COMMITTED, 0);
      case "earliest":
        return new StartingOffsets(Kind.EARLIEST, 0);
      case "latest":
        return new StartingOffsets(Kind.LATEST, 0);
      default:
        break;
    }
    if (s.startsWith(TIMESTAMP_PREFIX)) {
      try {
        return new StartingOffsets(
            Kind.TIMESTAMP, Long.parseLong(s.substring(TIMESTAMP_PREFIX.length())));
      } catch (NumberFormatException e) {
        // fall through to the error below
      }
    }
    throw new IllegalArgumentException(
        JobOptions.STARTING_OFFSETS.key()
            + " '"
            + spec
            + "': use committed, earliest, latest or timestamp:<epoch-millis>");
  }

  /** The Kafka source's initializer; committed offsets fall back to the earliest. */
  public OffsetsInitializer initializer() {
    switch (kind) {
      case COMMITTED:
        return OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
      case EARLIEST:
        return OffsetsInitializer.earliest();
      case LATEST:
        return OffsetsInitializer.latest();
      default:
        return OffsetsInitializer.timestamp(timestampMillis);
    }
  }
}
