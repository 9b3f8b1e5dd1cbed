package io.abcstream.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.ThreadFactory;
import org.junit.jupiter.api.Test;

class DaemonThreadsTest {

  @Test
  void threadsAreDaemonsNumberedFromOne() {
    ThreadFactory factory = DaemonThreads.factory("abc-test");
    Thread first = factory.newThread(() -> {});
    Thread second = factory.newThread(() -> {});
    assertThat(first.isDaemon()).isTrue();
    assertThat(second.isDaemon()).isTrue();
    assertThat(first.getName()).isEqualTo("abc-test-1");
    assertThat(second.getName()).isEqualTo("abc-test-2");
  }

  @Test
  void aPrefixIsRequired() {
    assertThatThrownBy(() -> DaemonThreads.factory(" "))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
