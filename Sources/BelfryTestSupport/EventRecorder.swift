import Synchronization

/// Collects what an `AsyncStream` yields, in a task of its own, so a test can wait (bounded) until
/// the elements it expects are there and then assert on all of them, order included.
public final class EventRecorder<Element: Sendable>: Sendable {
    private final class Storage: Sendable {
        let elements = Mutex<[Element]>([])
        let finished = Mutex(false)
    }

    private let storage = Storage()
    private let task: Task<Void, Never>

    public init(_ stream: AsyncStream<Element>) {
        let storage = self.storage
        task = Task {
            for await element in stream { storage.elements.withLock { $0.append(element) } }
            storage.finished.withLock { $0 = true }
        }
    }

    deinit {
        task.cancel()
    }

    /// Everything recorded so far.
    public var elements: [Element] { storage.elements.withLock { $0 } }

    /// True once the stream ended.
    public var isFinished: Bool { storage.finished.withLock { $0 } }

    /// Waits until `condition` holds for the recorded elements (or `timeout` passed) and returns them.
    @discardableResult
    public func wait(
        timeout: Duration = .seconds(5), until condition: @escaping @Sendable ([Element]) -> Bool
    ) async -> [Element] {
        _ = await Eventually.holds(timeout: timeout) { condition(self.elements) }
        return elements
    }

    public func cancel() {
        task.cancel()
    }
}
