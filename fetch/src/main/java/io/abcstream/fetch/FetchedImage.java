package io.abcstream.fetch;

import io.abcstream.model.image.ImageFormat;
import java.time.Duration;

/**
 * The bytes of one fetched image with how they were obtained.
 *
 * @param bytes the encoded image, exactly as served (never decoded here)
 * @param format the format sniffed from the first bytes (the decoder's sniffer, so the decode need
 *     not sniff again); {@code null} when unknown, which only {@code fetch.reject-unknown-format:
 *     false} lets through
 * @param finalUri the URI the bytes came from after redirects ({@code "inline:"} for inline bytes)
 * @param attempts attempts made (1 + retries)
 * @param elapsed wall time from the call to completion
 */
public record FetchedImage(
    byte[] bytes, ImageFormat format, String finalUri, int attempts, Duration elapsed) {

  public int size() {
    return bytes.length;
  }

  @Override
  public String toString() {
    return "FetchedImage["
        + format
        + ", "
        + bytes.length
        + " bytes, "
        + finalUri
        + ", attempts="
        + attempts
        + ", elapsed="
        + elapsed
        + "]";
  }
}
