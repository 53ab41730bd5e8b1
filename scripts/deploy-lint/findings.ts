// What every check reports: a problem of one file, and how the command line prints them.

type Severity = 'error' | 'warning';

export interface Finding {
  file: string;
  severity: Severity;
  message: string;
}

/** Collects one file's findings: `error` and `warn` add to `findings`. */
export function findingsOf(file: string): { findings: Finding[]; error: (message: string) => void; warn: (message: string) => void } {
  const findings: Finding[] = [];
  return {
    findings,
    error: (message) => void findings.push({ file, severity: 'error', message }),
    warn: (message) => void findings.push({ file, severity: 'warning', message }),
  };
}

export function formatFindings(findings: Finding[]): string {
  return findings.map((f) => `${f.file}: ${f.severity}: ${f.message}`).join('\n');
}
