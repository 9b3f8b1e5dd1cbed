package io.abcstream.jobs.demo;

import com.sun.net.httpserver.HttpServer;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.imageio.ImageIO;

/** Generated two-object scenes served over HTTP on loopback, so the demo needs no internet. */
public final class DemoImages implements AutoCloseable {

  /** A scene: what is on the left and on the right. */
  public record Scene(String name, String left, Color leftColor, String right, Color rightColor) {}

  public static final Scene[] SCENES = {
    new Scene("red-circle-blue-square", "circle", Color.RED, "square", Color.BLUE),
    new Scene("green-triangle-yellow-circle", "triangle", Color.GREEN, "circle", Color.YELLOW),
    new Scene("blue-square-red-triangle", "square", Color.BLUE, "triangle", Color.RED),
    new Scene("yellow-circle-green-square", "circle", Color.YELLOW, "square", Color.GREEN),
  };

  private final HttpServer server;
  private final Map<String, byte[]> pngs = new LinkedHashMap<>();

  public DemoImages() throws IOException {
    for (Scene scene : SCENES) {
      pngs.put(scene.name() + ".png", render(scene));
    }
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/",
        exchange -> {
          String name = exchange.getRequestURI().getPath().substring(1);
          byte[] body = pngs.get(name);
          if (body == null) {
            exchange.sendResponseHeaders(404, -1);
          } else {
            exchange.getResponseHeaders().set("Content-Type", "image/png");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
              out.write(body);
            }
          }
          exchange.close();
        });
    server.start();
  }

  public String url(Scene scene) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/" + scene.name() + ".png";
  }

  public String missingUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/no-such-image.png";
  }

  public byte[] png(Scene scene) {
    return pngs.get(scene.name() + ".png");
  }

  static byte[] render(Scene scene) throws IOException {
    BufferedImage img = new BufferedImage(480, 320, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(new Color(245, 240, 230));
    g.fillRect(0, 0, 480, 320);
    draw(g, scene.left(), scene.leftColor(), 120, 160);
    draw(g, scene.right(), scene.rightColor(), 360, 160);
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "png", out);
    return out.toByteArray();
  }

  private static void draw(Graphics2D g, String shape, Color color, int cx, int cy) {
    g.setColor(color);
    switch (shape) {
      case "circle" -> g.fillOval(cx - 70, cy - 70, 140, 140);
      case "square" -> g.fillRect(cx - 65, cy - 65, 130, 130);
      default ->
          g.fillPolygon(new int[] {cx, cx - 75, cx + 75}, new int[] {cy - 70, cy + 65, cy + 65}, 3);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
