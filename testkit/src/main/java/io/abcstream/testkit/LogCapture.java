package io.abcstream.testkit;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/**
 * Records every log line (INFO and up, with stack traces) of this JVM while open, so that a test
 * can assert what reached the logs; the configured appenders keep their old level meanwhile.
 */
public final class LogCapture implements AutoCloseable {

  private final List<String> lines = new ArrayList<>();
  private final LoggerContext context;
  private final LoggerConfig root;
  private final Level previousLevel;
  private final Map<String, Appender> previousAppenders;
  private final Appender appender;

  private LogCapture(Level level) {
    context = (LoggerContext) LogManager.getContext(false);
    root = context.getConfiguration().getRootLogger();
    previousLevel = root.getLevel();
    previousAppenders = Map.copyOf(root.getAppenders());
    appender = new Recorder("capture-" + UUID.randomUUID(), this);
    appender.start();
    // The existing appenders keep printing only what they printed before.
    for (Map.Entry<String, Appender> e : previousAppenders.entrySet()) {
      root.removeAppender(e.getKey());
      root.addAppender(e.getValue(), previousLevel, null);
    }
    root.addAppender(appender, level, null);
    root.setLevel(level);
    context.updateLoggers();
  }

  /** Starts recording INFO and above. */
  public static LogCapture start() {
    return new LogCapture(Level.INFO);
  }

  /** Starts recording {@code level} and above. */
  public static LogCapture start(Level level) {
    return new LogCapture(level);
  }

  /** Every recorded line so far: level, logger, message and stack trace (with causes). */
  public synchronized List<String> lines() {
    return List.copyOf(lines);
  }

  /** All recorded lines as one text. */
  public String text() {
    return String.join("\n", lines());
  }

  private synchronized void add(String line) {
    lines.add(line);
  }

  @Override
  public void close() {
    root.removeAppender(appender.getName());
    for (Map.Entry<String, Appender> e : previousAppenders.entrySet()) {
      root.removeAppender(e.getKey());
      root.addAppender(e.getValue(), null, null);
    }
    root.setLevel(previousLevel);
    context.updateLoggers();
    appender.stop();
  }

  /** The appender: formats each event into one string. */
  private static final class Recorder extends AbstractAppender {
    private final LogCapture capture;

    Recorder(String name, LogCapture capture) {
      super(name, null, null, true, Property.EMPTY_ARRAY);
      this.capture = capture;
    }

    @Override
    public void append(LogEvent event) {
      StringBuilder line =
          new StringBuilder()
              .append(event.getLevel())
              .append(' ')
              .append(event.getLoggerName())
              .append(" - ")
              .append(event.getMessage().getFormattedMessage());
      if (event.getThrown() != null) {
        StringWriter trace = new StringWriter();
        event.getThrown().printStackTrace(new PrintWriter(trace));
        line.append('\n').append(trace);
      }
      capture.add(line.toString());
    }
  }
}
