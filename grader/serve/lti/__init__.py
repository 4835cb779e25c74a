"""LTI 1.3 Advantage: the course service as a tool that Canvas and Moodle launch, and that posts scores back.

The contract is DESIGN.md's "LTI 1.3"; the README's "Connecting Canvas or Moodle" is the admin's guide.
Small modules, each one part of the protocol: `config` (course.yaml's `lti:`), `keys` (the tool's
RSA keys and its JWKS), `http` (every call to a platform), `platform_keys` (the platform's key set),
`launch` (OIDC login and id_token validation), `signin` (who the launch is, and where they land),
`deep_linking`, `service_token` (client credentials), `ags` (line items and scores), `outbox`
(the score sender), `nrps` (rosters), `registration` (Canvas's JSON, the setup steps), `runtime`
(one process's state), `framing` (which responses an LMS may frame), `routes` and `commands`.
The SQL is in grader.serve.storage_lti, like every other table's.

Built on joserfc (JOSE) and httpx (HTTP): the LTI tool libraries on the index are unmaintained or
bound to Flask or Django. This package imports neither of them at `import grader.serve.lti`.
"""
