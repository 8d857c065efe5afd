// Evaluates a batch of IAM requests with @cloud-copilot/iam-simulate, offline.
// stdin: a JSON array of Simulation objects (the library's input shape).
// stdout: a JSON array, one result per simulation, in order:
//   {resultType, overallResult, identity, resource, allowedBy, deniedBy, ignoredContextKeys}
//   or {resultType: "error", errors} when the library refuses the input.
import { runSimulation } from '@cloud-copilot/iam-simulate'

const statementIds = (statements) =>
  (statements ?? []).map((s) => `${s.policyId ?? 'resource-policy'}#${s.statement.sid() ?? s.statement.index()}`)

async function evaluate(simulation) {
  const outcome = await runSimulation(simulation, {})
  if (outcome.resultType === 'error') {
    return { resultType: 'error', errors: outcome.errors }
  }
  const results = outcome.resultType === 'single' ? [outcome.result] : outcome.results
  const analyses = results.map((r) => r.analysis)
  return {
    resultType: outcome.resultType,
    overallResult: outcome.overallResult,
    identity: analyses.map((a) => a.identityAnalysis?.result ?? null),
    resource: analyses.map((a) => a.resourceAnalysis?.result ?? null),
    allowedBy: analyses.flatMap((a) => [
      ...statementIds(a.identityAnalysis?.allowStatements),
      ...statementIds(a.resourceAnalysis?.allowStatements)
    ]),
    deniedBy: analyses.flatMap((a) => [
      ...statementIds(a.identityAnalysis?.denyStatements),
      ...statementIds(a.resourceAnalysis?.denyStatements)
    ]),
    ignoredContextKeys: results.flatMap((r) => r.ignoredContextKeys ?? [])
  }
}

const chunks = []
for await (const chunk of process.stdin) chunks.push(chunk)
const simulations = JSON.parse(Buffer.concat(chunks).toString('utf8'))
const results = []
for (const simulation of simulations) {
  try {
    results.push(await evaluate(simulation))
  } catch (error) {
    results.push({ resultType: 'error', errors: { message: String(error?.stack ?? error) } })
  }
}
process.stdout.write(JSON.stringify(results))
