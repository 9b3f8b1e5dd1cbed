package io.abcstream.jobs;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback HTTP server on a raw {@link ServerSocket} whose behaviour is chosen by the request
 * path: well-formed answers, and the malformed, endless and stalled ones no HTTP library would
 * send. One request per connection, then close.
 */
final class HostileServer implements AutoCloseable {

  /** What the server writes for one path; {@code out} is the raw socket stream. */
  @FunctionalInterface
  interface Behaviour {
    void respond(OutputStream out) throws IOException, InterruptedException;
  }

  /**
   * The longest any endless or stalled answer lasts: far beyond the client's attempt timeout, so
   * only the client can end it early, but short enough that no thread outlives the test.
   */
  static final long ENDLESS_MILLIS = 15_000;

  private final ServerSocket socket;
  private final Map<String, Behaviour> routes = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final Thread acceptor;

  HostileServer() throws IOException {
    socket = new ServerSocket(0, 200, InetAddress.getByName("127.0.0.1"));
    acceptor = new Thread(this::acceptLoop, "hostile-server-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return socket.getLocalPort();
  }

  /** {@code http://127.0.0.1:<port>}: the one spelling the test's fetch policy allows. */
  String base() {
    return "http://127.0.0.1:" + port();
  }

  HostileServer route(String path, Behaviour behaviour) {
    routes.put(path, behaviour);
    return this;
  }

  /** How many requests arrived for {@code path}. */
  int hits(String path) {
    AtomicInteger n = hits.get(path);
    return n == null ? 0 : n.get();
  }

  private void acceptLoop() {
    while (!socket.isClosed()) {
      try {
        Socket s = socket.accept();
        open.add(s);
        Thread t = new Thread(() -> serve(s), "hostile-server-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void serve(Socket s) {
    try (s) {
      s.setSoTimeout(10_000);
      String path = readRequestPath(s.getInputStream());
      if (path == null) {
        return;
      }
      hits.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
      Behaviour b = routes.get(path);
      OutputStream out = s.getOutputStream();
      if (b == null) {
        out.write(head(404, "Not Found", 0, "text/plain"));
      } else {
        b.respond(out);
      }
      out.flush();
    } catch (SocketException e) {
      // the client gave up: what a bounded client does with an endless answer
    } catch (IOException e) {
      // likewise
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      open.remove(s);
    }
  }

  /** The path of the request line, after reading the request head (bounded: 64 kB). */
  private static String readRequestPath(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (head.size() < 65_536) {
      int c = in.read();
      if (c < 0) {
        return null;
      }
      head.write(c);
      matched = (c == '\r' || c == '\n') ? matched + 1 : 0;
      if (matched == 4) {
        break;
      }
    }
    String first = head.toString(StandardCharsets.ISO_8859_1).split("\r\n", 2)[0];
    String[] parts = first.split(" ");
    if (parts.length < 2) {
      return null;
    }
    int q = parts[1].indexOf('?');
    return q < 0 ? parts[1] : parts[1].substring(0, q);
  }

  @Override
  public void close() throws IOException {
    socket.close();
    for (Socket s : open) {
      s.close();
    }
  }

  // ---- building blocks ----

  static byte[] head(int status, String reason, long contentLength, String type, String... extra) {
    StringBuilder sb = new StringBuilder();
    sb.append("HTTP/1.1 ").append(status).append(' ').append(reason).append("\r\n");
    if (contentLength >= 0) {
      sb.append("Content-Length: ").append(contentLength).append("\r\n");
    }
    if (type != null) {
      sb.append("Content-Type: ").append(type).append("\r\n");
    }
    for (String h : extra) {
      sb.append(h).append("\r\n");
    }
    sb.append("Connection: close\r\n\r\n");
    return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  static Behaviour ok(byte[] body, String type, String... extra) {
    return out -> {
      out.write(head(200, "OK", body.length, type, extra));
      out.write(body);
    };
  }

  static Behaviour status(int status, String reason, String... extra) {
    return out -> out.write(head(status, reason, 0, "text/plain", extra));
  }

  static Behaviour redirect(String location) {
    return status(302, "Found", "Location: " + location);
  }

  /** {@code prefix}, then {@code unit} repeated until the client closes or the cap. */
  static Behaviour endless(String prefix, String unit) {
    return out -> {
      out.write(prefix.getBytes(StandardCharsets.ISO_8859_1));
      byte[] block =
          unit.repeat(Math.max(1, 65_536 / unit.length())).getBytes(StandardCharsets.ISO_8859_1);
      long end = System.currentTimeMillis() + ENDLESS_MILLIS;
      while (System.currentTimeMillis() < end) {
        out.write(block);
      }
    };
  }

  /** The head, then one byte every {@code gapMillis} until {@code total} bytes or the cap. */
  static Behaviour slow(byte[] head, int total, long gapMillis) {
    return out -> {
      out.write(head);
      out.flush();
      long end = System.currentTimeMillis() + ENDLESS_MILLIS;
      for (int i = 0; i < total && System.currentTimeMillis() < end; i++) {
        out.write(0);
        out.flush();
        Thread.sleep(gapMillis);
      }
    };
  }

  /** The head, then nothing until the cap. */
  static Behaviour stalled(byte[] head) {
    return out -> {
      out.write(head);
      out.flush();
      Thread.sleep(ENDLESS_MILLIS);
    };
  }
}
