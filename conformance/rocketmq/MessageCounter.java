// The conformance tier's RocketMQ client, compiled at test time with javac against the fetched
// jars (there is no RocketMQ client for Node here). One line per event on stdout, read by
// site-loss.test.ts:
//   produce NAMESRVS TOPIC STOPFILE INTERVALMS PREFIX: sends `<PREFIX>-<n>` one message at a time,
//     synchronously, until STOPFILE exists; prints `SENT <key> <brokerName> <queueId> <offset>` for
//     every SEND_OK and `FAILED <key> <reason>` for every send that threw or came back otherwise.
//   consume NAMESRVS TOPIC GROUP QUIETMS TIMEOUTMS: reads every queue of the topic from its first
//     offset and prints `RECEIVED <key> <brokerName> <queueId> <offset>` until nothing new arrived
//     for QUIETMS (or TIMEOUTMS passed), then `DONE <count>`.
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Collection;
import java.util.List;
import org.apache.rocketmq.client.consumer.DefaultLitePullConsumer;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;

public class MessageCounter {
    public static void main(String[] args) throws Exception {
        if (args.length >= 6 && args[0].equals("produce")) {
            produce(args[1], args[2], args[3], Long.parseLong(args[4]), args[5]);
        } else if (args.length >= 6 && args[0].equals("consume")) {
            consume(args[1], args[2], args[3], Long.parseLong(args[4]), Long.parseLong(args[5]));
        } else {
            System.err.println("usage: produce NAMESRVS TOPIC STOPFILE INTERVALMS PREFIX | consume NAMESRVS TOPIC GROUP QUIETMS TIMEOUTMS");
            System.exit(2);
        }
        System.exit(0);
    }

    private static void produce(String namesrvs, String topic, String stopFile, long intervalMs, String prefix) throws Exception {
        DefaultMQProducer producer = new DefaultMQProducer("failover-producer-" + prefix);
        producer.setNamesrvAddr(namesrvs);
        producer.setInstanceName("failover-producer-" + System.nanoTime());
        // The route to the new masters is learned from the name servers: poll them every second
        // instead of every 30 s, so the count shows when publishing works again.
        producer.setPollNameServerInterval(1000);
        producer.setSendMsgTimeout(3000);
        producer.setRetryTimesWhenSendFailed(1);
        // The client's default. Turned on, a send that timed out on a dark master keeps its broker
        // name avoided for minutes (up to 600 s), new master included: the count would not show
        // when publishing works again.
        producer.setSendLatencyFaultEnable(false);
        producer.start();
        long n = 0;
        while (!Files.exists(Paths.get(stopFile))) {
            String key = prefix + "-" + (++n);
            Message message = new Message(topic, "failover", key, ("message " + n).getBytes(StandardCharsets.UTF_8));
            try {
                SendResult result = producer.send(message);
                if (result.getSendStatus() == SendStatus.SEND_OK) {
                    MessageQueue queue = result.getMessageQueue();
                    System.out.println("SENT " + key + " " + queue.getBrokerName() + " " + queue.getQueueId() + " " + result.getQueueOffset());
                } else {
                    System.out.println("FAILED " + key + " " + result.getSendStatus());
                }
            } catch (Exception e) {
                System.out.println("FAILED " + key + " " + e.getClass().getSimpleName() + ": " + String.valueOf(e.getMessage()).split("\n")[0]);
            }
            System.out.flush();
            Thread.sleep(intervalMs);
        }
        producer.shutdown();
    }

    private static void consume(String namesrvs, String topic, String group, long quietMs, long timeoutMs) throws Exception {
        DefaultLitePullConsumer consumer = new DefaultLitePullConsumer(group);
        consumer.setNamesrvAddr(namesrvs);
        consumer.setInstanceName("failover-consumer-" + System.nanoTime());
        consumer.setAutoCommit(false);
        consumer.setPollNameServerInterval(1000);
        consumer.start();
        Collection<MessageQueue> queues = consumer.fetchMessageQueues(topic);
        consumer.assign(queues);
        for (MessageQueue queue : queues) {
            consumer.seekToBegin(queue);
        }
        long count = 0;
        long started = System.currentTimeMillis();
        long lastNew = started;
        while (System.currentTimeMillis() - lastNew < quietMs && System.currentTimeMillis() - started < timeoutMs) {
            List<MessageExt> messages = consumer.poll(500);
            for (MessageExt m : messages) {
                count++;
                lastNew = System.currentTimeMillis();
                System.out.println("RECEIVED " + m.getKeys() + " " + m.getBrokerName() + " " + m.getQueueId() + " " + m.getQueueOffset());
            }
            System.out.flush();
        }
        System.out.println("DONE " + count);
        System.out.flush();
        consumer.shutdown();
    }
}
