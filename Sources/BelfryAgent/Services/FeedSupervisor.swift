import BelfryCore
import Logging
import ServiceLifecycle

/// Runs one feed per enabled source and restarts them all when the config is reloaded
/// (`belfry reload` or SIGHUP), so sources can be added, removed or changed without a restart.
struct FeedSupervisor: Service {
    let agent: Agent
    let reloads: AsyncStream<Void>
    let environment: [String: String]

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var reloadIterator = reloads.makeAsyncIterator()
            while !Task.isCancelled {
                let sources = await agent.enabledSources
                await withTaskGroup(of: Void.self) { group in
                    for s in sources {
                        if s.transport != .poll, let stream = s.profile.stream {
                            let feed = StreamFeed(source: s, stream: stream, agent: agent, environment: environment,
                                                  clock: ContinuousClock())
                            group.addTask { await feed.loop() }
                        } else {
                            let feed = PollFeed(name: s.name, interval: s.pollInterval, agent: agent, environment: environment,
                                                clock: ContinuousClock())
                            group.addTask { await feed.loop() }
                        }
                    }
                    _ = await reloadIterator.next()
                    group.cancelAll()
                }
            }
        }
    }
}
