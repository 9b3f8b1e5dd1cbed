package io.abcstream.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import io.abcstream.fetch.FetchErrorClassifier.Action;
import io.abcstream.fetch.FetchErrorClassifier.Decision;
import io.abcstream.fetch.FetchException.Kind;
import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import javax.net.ssl.SSLHandshakeException;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.client5.http.HttpHostConnectException;
import org.apache.hc.core5.http.ConnectionClosedException;
import org.apache.hc.core5.http.MalformedChunkCodingException;
import org.apache.hc.core5.http.MessageConstraintException;
import org.apache.hc.core5.http.ProtocolException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class FetchErrorClassifierTest {

  @ParameterizedTest(name = "HTTP {0} -> {1} {2}")
  @CsvSource({
    "200, SUCCESS, ",
    "201, SUCCESS, ",
    "203, SUCCESS, ",
    "204, FAIL, FAILED",
    "205, FAIL, FAILED",
    "206, FAIL, FAILED",
    "301, REDIRECT, ",
    "302, REDIRECT, ",
    "303, REDIRECT, ",
    "307, REDIRECT, ",
    "308, REDIRECT, ",
    "300, FAIL, FAILED",
    "304, FAIL, FAILED",
    "305, FAIL, FAILED",
    "400, FAIL, FAILED",
    "401, FAIL, FAILED",
    "403, FAIL, FAILED",
    "404, FAIL, FAILED",
    "410, FAIL, FAILED",
    "408, RETRY, FAILED",
    "425, RETRY, FAILED",
    "429, RETRY, FAILED",
    "451, FAIL, FAILED",
    "500, RETRY, FAILED",
    "501, FAIL, FAILED",
    "502, RETRY, FAILED",
    "503, RETRY, FAILED",
    "504, RETRY, FAILED",
    "505, FAIL, FAILED",
    "507, RETRY, FAILED",
    "599, RETRY, FAILED",
    "100, FAIL, FAILED",
    "199, FAIL, FAILED",
    "600, FAIL, FAILED",
  })
  void statusTable(int status, Action action, Kind kind) {
    Decision d = FetchErrorClassifier.classifyStatus(status);
    assertThat(d.action()).isEqualTo(action);
    assertThat(d.kind()).isEqualTo(kind);
  }

  static Stream<Arguments> exceptions() {
    return Stream.of(
        Arguments.of(new ConnectException("Connection refused"), Action.RETRY, Kind.FAILED),
        Arguments.of(new HttpHostConnectException("refused"), Action.RETRY, Kind.FAILED),
        Arguments.of(new NoRouteToHostException(), Action.RETRY, Kind.FAILED),
        Arguments.of(new ConnectTimeoutException("connect timed out"), Action.RETRY, Kind.FAILED),
        Arguments.of(new SocketTimeoutException("read timed out"), Action.RETRY, Kind.FAILED),
        Arguments.of(new TimeoutException("attempt"), Action.RETRY, Kind.FAILED),
        Arguments.of(new SocketException("Connection reset"), Action.RETRY, Kind.FAILED),
        Arguments.of(new EOFException(), Action.RETRY, Kind.FAILED),
        Arguments.of(new ConnectionClosedException(), Action.RETRY, Kind.FAILED),
        Arguments.of(new IOException("other"), Action.RETRY, Kind.FAILED),
        Arguments.of(new UnknownHostException("nx.test"), Action.FAIL, Kind.FAILED),
        Arguments.of(new SSLHandshakeException("bad cert"), Action.FAIL, Kind.FAILED),
        Arguments.of(new ProtocolException("bad status line"), Action.FAIL, Kind.FAILED),
        // The bounds on a response head: never retried, the server would send the same again.
        Arguments.of(
            new MessageConstraintException("Maximum line length limit exceeded"),
            Action.FAIL,
            Kind.FAILED),
        Arguments.of(
            new MessageConstraintException("Maximum header count exceeded"),
            Action.FAIL,
            Kind.FAILED),
        Arguments.of(
            new MalformedChunkCodingException("Bad chunk header: zz"), Action.FAIL, Kind.FAILED),
        Arguments.of(
            new CompletionException(new MessageConstraintException("line")),
            Action.FAIL,
            Kind.FAILED),
        Arguments.of(new CancellationException(), Action.FAIL, Kind.FAILED),
        Arguments.of(new IllegalStateException("bug"), Action.FAIL, Kind.FAILED),
        Arguments.of(FetchException.forbidden("policy"), Action.FAIL, Kind.FORBIDDEN),
        Arguments.of(FetchException.tooLarge("big"), Action.FAIL, Kind.TOO_LARGE),
        Arguments.of(FetchException.failed("transient", true, null), Action.RETRY, Kind.FAILED),
        Arguments.of(new CompletionException(new ConnectException()), Action.RETRY, Kind.FAILED),
        Arguments.of(new ExecutionException(new UnknownHostException()), Action.FAIL, Kind.FAILED),
        Arguments.of(
            new CompletionException(FetchException.forbidden("x")), Action.FAIL, Kind.FORBIDDEN));
  }

  @ParameterizedTest(name = "{0} -> {1} {2}")
  @MethodSource("exceptions")
  void exceptionTable(Throwable t, Action action, Kind kind) {
    Decision d = FetchErrorClassifier.classifyException(t);
    assertThat(d.action()).isEqualTo(action);
    assertThat(d.kind()).isEqualTo(kind);
  }
}
