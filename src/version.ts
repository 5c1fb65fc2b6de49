/** logveil's version, as the CLI, the run events and the telemetry resource give it. */
export const VERSION = '0.1.0';
