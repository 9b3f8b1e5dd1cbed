/**
 * SSRF-safe image fetching: {@link io.abcstream.fetch.ImageFetcher} turns an {@link
 * io.abcstream.fetch.ImageRef} (HTTP(S), data:, inline bytes, file:// under configured roots, or a
 * Flink FileSystem URI) into bytes under the address policy and limits of a {@link
 * io.abcstream.fetch.FetchConfig}; failures are {@link io.abcstream.fetch.FetchException}s with a
 * kind of their own. Not a Flink connector: nothing here runs an operator.
 */
package io.abcstream.fetch;
