package io.abcstream.fetch;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A raw HTTP/1.1 server on loopback that writes whatever bytes a test wants, endless ones included:
 * one thread per connection, one behaviour per request path.
 */
final class HostileServer implements AutoCloseable {

  /** What to write on a connection once the request head has been read. */
  @FunctionalInterface
  interface Behaviour {
    void respond(Conn c) throws IOException, InterruptedException;
  }

  /** One accepted connection. */
  static final class Conn {
    final Socket socket;
    final OutputStream out;
    final InputStream in;
    final String path;
    private final AtomicLong written;

    Conn(Socket socket, String path, AtomicLong written) throws IOException {
      this.socket = socket;
      this.out = socket.getOutputStream();
      this.in = socket.getInputStream();
      this.path = path;
      this.written = written;
    }

    void write(String s) throws IOException {
      write(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    void write(byte[] b) throws IOException {
      out.write(b);
      out.flush();
      written.addAndGet(b.length);
    }

    /**
     * Writes {@code block} until the client closes the connection, or a safety cap of 4 GiB that no
     * bounded client gets near.
     */
    void writeForever(byte[] block) throws IOException {
      for (long n = 0; n < (4L << 30); n += block.length) {
        write(block);
      }
    }

    /** Holds the connection open, reading nothing, until the client closes it. */
    void holdUntilClosed() throws IOException {
      socket.setSoTimeout(60_000);
      while (in.read() >= 0) {
        // a client sends nothing more after its request
      }
    }
  }

  private final ServerSocket server;
  private final Map<String, Behaviour> behaviours = new ConcurrentHashMap<>();
  final Map<String, AtomicInteger> connections = new ConcurrentHashMap<>();
  final Map<String, AtomicLong> written = new ConcurrentHashMap<>();
  final Map<String, AtomicInteger> closedByClient = new ConcurrentHashMap<>();
  private final Thread acceptor;
  private volatile boolean closed;

  HostileServer() throws IOException {
    server = new ServerSocket(0, 256, InetAddress.getLoopbackAddress());
    acceptor = new Thread(this::acceptLoop, "hostile-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return server.getLocalPort();
  }

  String base() {
    return "http://127.0.0.1:" + port();
  }

  void on(String path, Behaviour b) {
    behaviours.put(path, b);
    connections.put(path, new AtomicInteger());
    written.put(path, new AtomicLong());
    closedByClient.put(path, new AtomicInteger());
  }

  private void acceptLoop() {
    while (!closed) {
      Socket s;
      try {
        s = server.accept();
      } catch (IOException e) {
        return;
      }
      Thread t = new Thread(() -> serve(s), "hostile-conn");
      t.setDaemon(true);
      t.start();
    }
  }

  private void serve(Socket s) {
    String path = null;
    try (s) {
      path = readRequestPath(s.getInputStream());
      Behaviour b = path == null ? null : behaviours.get(path);
      if (b == null) {
        s.getOutputStream()
            .write(
                "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
        return;
      }
      connections.get(path).incrementAndGet();
      b.respond(new Conn(s, path, written.get(path)));
    } catch (IOException e) {
      // the client closed the connection: what a bounded client does to an endless response
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      if (path != null && closedByClient.containsKey(path)) {
        closedByClient.get(path).incrementAndGet();
      }
    }
  }

  /** Reads a request head and returns its path, or null on a closed connection. */
  private static String readRequestPath(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int state = 0;
    while (state < 4) {
      int b = in.read();
      if (b < 0) {
        return null;
      }
      head.write(b);
      state =
          (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3))
              ? state + 1
              : (b == '\r' ? 1 : 0);
    }
    String line = head.toString(StandardCharsets.ISO_8859_1).split("\r\n", 2)[0];
    String[] parts = line.split(" ");
    return parts.length >= 2 ? parts[1] : null;
  }

  /** Waits until a connection to {@code path} was closed by the client. */
  boolean awaitClosed(String path, long millis) throws InterruptedException {
    return awaitClosedCount(path, 1, millis);
  }

  /** Waits until {@code n} connections to {@code path} have ended in all. */
  boolean awaitClosedCount(String path, int n, long millis) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    while (closedByClient.get(path).get() < n) {
      if (System.nanoTime() > until) {
        return false;
      }
      Thread.sleep(5);
    }
    return true;
  }

  @Override
  public void close() throws IOException {
    closed = true;
    server.close();
  }
}
