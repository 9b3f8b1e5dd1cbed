package io.abcstream.connectors.elasticsearch;

import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobInfo;
import org.apache.flink.api.common.JobInfoImpl;
import org.apache.flink.api.common.TaskInfo;
import org.apache.flink.api.common.TaskInfoImpl;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.metrics.groups.SinkWriterMetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.streaming.runtime.tasks.StreamTaskActionExecutor;
import org.apache.flink.streaming.runtime.tasks.mailbox.MailboxExecutorImpl;
import org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailboxImpl;
import org.apache.flink.util.UserCodeClassLoader;

/**
 * A writer context whose mailbox thread is the thread that creates it (so {@code flush} can yield
 * to the result-handler mails, as in a task) and whose timers never fire (tests set long buffer
 * times and drive flushing themselves).
 */
final class TestWriterContext implements WriterInitContext {

  private final MailboxExecutor mailbox =
      new MailboxExecutorImpl(
          new TaskMailboxImpl(Thread.currentThread()), 0, StreamTaskActionExecutor.IMMEDIATE);

  @Override
  public UserCodeClassLoader getUserCodeClassLoader() {
    return new UserCodeClassLoader() {
      @Override
      public ClassLoader asClassLoader() {
        return TestWriterContext.class.getClassLoader();
      }

      @Override
      public void registerReleaseHookIfAbsent(String name, Runnable hook) {}
    };
  }

  @Override
  public MailboxExecutor getMailboxExecutor() {
    return mailbox;
  }

  @Override
  public ProcessingTimeService getProcessingTimeService() {
    return new ProcessingTimeService() {
      @Override
      public long getCurrentProcessingTime() {
        return System.currentTimeMillis();
      }

      @Override
      public ScheduledFuture<?> registerTimer(long timestamp, ProcessingTimeCallback target) {
        return new NeverFiring();
      }
    };
  }

  @Override
  public SinkWriterMetricGroup metricGroup() {
    return UnregisteredMetricsGroup.createSinkWriterMetricGroup();
  }

  @Override
  public SerializationSchema.InitializationContext asSerializationSchemaInitializationContext() {
    return null;
  }

  @Override
  public boolean isObjectReuseEnabled() {
    return false;
  }

  @Override
  public <IN> TypeSerializer<IN> createInputSerializer() {
    return null;
  }

  @Override
  public OptionalLong getRestoredCheckpointId() {
    return OptionalLong.empty();
  }

  @Override
  public JobInfo getJobInfo() {
    return new JobInfoImpl(new JobID(), "es-writer-test");
  }

  @Override
  public TaskInfo getTaskInfo() {
    return new TaskInfoImpl("es-writer", 1, 0, 1, 0);
  }

  /** A timer that is never due. */
  private static final class NeverFiring extends CompletableFuture<Object>
      implements ScheduledFuture<Object> {
    @Override
    public long getDelay(TimeUnit unit) {
      return Long.MAX_VALUE;
    }

    @Override
    public int compareTo(Delayed other) {
      return 0;
    }
  }
}
