package samzapy.bench;

import org.apache.samza.config.Config;
import org.apache.samza.context.Context;
import org.apache.samza.system.IncomingMessageEnvelope;
import org.apache.samza.system.OutgoingMessageEnvelope;
import org.apache.samza.system.SystemStream;
import org.apache.samza.task.InitableTask;
import org.apache.samza.task.MessageCollector;
import org.apache.samza.task.StreamTask;
import org.apache.samza.task.TaskCoordinator;

/**
 * Sends every message on unchanged (key and value as bytes: no serdes are configured) to the stream
 * named by {@code bench.output} ("system.stream"), as samza-py's bench/common.py PassThroughTask does.
 */
public class PassThroughTask implements StreamTask, InitableTask {
  public static final String OUTPUT = "bench.output";

  private SystemStream output;

  @Override
  public void init(Context context) {
    Config config = context.getJobContext().getConfig();
    String name = config.get(OUTPUT);
    if (name == null || !name.contains(".")) {
      throw new IllegalArgumentException(OUTPUT + " must name the output as system.stream, got " + name);
    }
    int dot = name.indexOf('.');
    output = new SystemStream(name.substring(0, dot), name.substring(dot + 1));
  }

  @Override
  public void process(IncomingMessageEnvelope envelope, MessageCollector collector, TaskCoordinator coordinator) {
    collector.send(new OutgoingMessageEnvelope(output, envelope.getKey(), envelope.getMessage()));
  }
}
