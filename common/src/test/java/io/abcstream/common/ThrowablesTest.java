package io.abcstream.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class ThrowablesTest {

  @Test
  void unwrapStripsNestedFutureWrappers() {
    IOException root = new IOException("disk");
    Throwable wrapped =
        new CompletionException(new ExecutionException(new CompletionException(root)));
    assertThat(Throwables.unwrap(wrapped)).isSameAs(root);
  }

  @Test
  void unwrapKeepsAWrapperWithoutCauseAndOtherExceptions() {
    CompletionException bare = new CompletionException("no cause", null);
    assertThat(Throwables.unwrap(bare)).isSameAs(bare);
    IllegalStateException other = new IllegalStateException(new IOException());
    assertThat(Throwables.unwrap(other)).isSameAs(other);
  }

  @Test
  void describeNamesTheClassAndMessage() {
    assertThat(Throwables.describe(new IOException("boom"))).isEqualTo("IOException: boom");
    assertThat(Throwables.describe(new IOException())).isEqualTo("IOException");
  }
}
