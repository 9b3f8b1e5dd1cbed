package io.abcstream.fetch;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Resolves a host name to addresses; pluggable so tests never touch real DNS. Called once per hop.
 */
@FunctionalInterface
public interface HostResolver {

  /** The JVM's resolver (blocking; the fetcher calls it on its blocking pool). */
  HostResolver SYSTEM = host -> List.of(InetAddress.getAllByName(host));

  /** All addresses of {@code host} (never empty); throws UnknownHostException when it has none. */
  List<InetAddress> resolve(String host) throws UnknownHostException;
}
