import BelfryCore
import Logging
import ServiceLifecycle

/// Pumps notification-server signals into the agent.
struct DesktopEventPump: Service {
    let agent: Agent
    let events: AsyncStream<DesktopEvent>

    func run() async throws {
        await agent.refreshServer()
        await cancelWhenGracefulShutdown {
            for await event in events {
                await agent.handle(event)
            }
        }
    }
}

/// Delivers persisted mark-read actions until they land. Waits on the monotonic clock (the agent
/// says how long until the next retry), so a wall clock jump cannot stall it.
struct OutboxService: Service {
    let agent: Agent

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let next = await agent.deliverDueActions()
                // Nothing pending: wait for the next action without a timer (every mark-read wakes it).
                await agent.waitForOutbox(timeout: next.map { max(.milliseconds(50), $0) })
            }
        }
    }
}

/// Writes the state file shortly after changes (coalescing bursts) and once more at shutdown.
struct StateFlusher: Service {
    let agent: Agent
    let debounce: Duration

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await agent.waitForFlushRequest()
                try? await Task.sleep(for: debounce)
                await agent.flush()
            }
        }
        await agent.flush()
    }
}
