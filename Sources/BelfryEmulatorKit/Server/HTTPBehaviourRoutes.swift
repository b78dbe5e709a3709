import BelfryCore
import Hummingbird

/// `/_emulator/http`: read, change (keys given) or reset the polite-polling and redirect behaviours
/// (`HTTPBehaviour`). See docs/emulator.md.
struct HTTPBehaviourRoutes {
    let env: EmulatorEnvironment

    func add(to router: Router<EmulatorRequestContext>) {
        let behaviour = env.state.http
        let group = router.group(RouterPath(AdminRoutes.prefix))
        group.get("/http") { _, _ -> Response in Reply.json(behaviour.json) }
        group.post("/http") { request, _ -> Response in
            try await AdminRoutes.answer {
                _ = try behaviour.update(try await AdminRoutes.json(request))
                return Reply.json(behaviour.json)
            }
        }
        group.delete("/http") { _, _ -> Response in
            behaviour.reset()
            return Reply.json(behaviour.json)
        }
    }
}
