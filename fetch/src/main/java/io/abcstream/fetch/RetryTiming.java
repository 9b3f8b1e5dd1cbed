package io.abcstream.fetch;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.function.DoubleSupplier;

/** Pure retry timing: exponential backoff with jitter, and Retry-After parsing (seconds or HTTP date). */
public final class RetryTiming {

    private RetryTiming() {}

    /**
     * Delay before retry number {@code retry} (1 = first retry): {@code initial * multiplier^(retry-1)} capped at
     * {@code max}, then reduced by up to {@code jitter} (a fraction 0..1) so that many clients do not retry in step.
     */
    public static Duration backoff(int retry, Duration initial, Duration max, double multiplier, double jitter,
            DoubleSupplier random) {
        double base = initial.toNanos() * Math.pow(multiplier, Math.max(0, retry - 1));
        double capped = Math.min(base, (double) max.toNanos());
        double factor = 1.0 - jitter * random.getAsDouble();
        return Duration.ofNanos((long) Math.max(0, capped * factor));
    }

    /**
     * Parses a Retry-After header: delta-seconds or an HTTP date (IMF-fixdate, RFC 850 or asctime are all
     * accepted by RFC 1123 parsing for the common form). A past date gives zero; junk gives empty.
     */
    public static Optional<Duration> parseRetryAfter(String value, Instant now) {
        if (value == null) {
            return Optional.empty();
        }
        String v = value.trim();
        if (v.isEmpty()) {
            return Optional.empty();
        }
        if (v.chars().allMatch(Character::isDigit)) {
            try {
                return Optional.of(Duration.ofSeconds(Long.parseLong(v)));
            } catch (NumberFormatException e) {
                // More digits than a long holds: effectively "forever"; the caller caps it.
                return Optional.of(Duration.ofSeconds(Long.MAX_VALUE / 1_000_000_000L));
            }
        }
        try {
            ZonedDateTime t = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
            Duration d = Duration.between(now, t.toInstant());
            return Optional.of(d.isNegative() ? Duration.ZERO : d);
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
