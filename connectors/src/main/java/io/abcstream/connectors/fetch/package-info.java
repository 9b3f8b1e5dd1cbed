/**
 * Image fetchers: {@link io.abcstream.connectors.fetch.ImageFetcher} turns an
 * {@link io.abcstream.connectors.fetch.ImageRef} into bytes under the SSRF policy and limits of a
 * {@link io.abcstream.connectors.fetch.FetchConfig} (settings in {@link io.abcstream.connectors.fetch.FetchOptions});
 * failures are {@link io.abcstream.connectors.fetch.FetchException}s typed by DLQ error class.
 */
package io.abcstream.connectors.fetch;
