// What a service is: a Dockerfile built from a context, possibly to a target stage.
export interface ServiceSpec {
  name: string;
  /** Absolute path of the Dockerfile. */
  dockerfile: string;
  /** Absolute path of the build context. */
  context: string;
  /** How the context was chosen: declared in config, or inferred. */
  contextSource: "config" | "inferred" | "compose";
  target: string | null;
  buildArgs: Record<string, string>;
  /** Extra entry points: image paths of scripts (`/app/job.py`) or dotted modules (`pkg.jobs`). */
  entryPoints: string[];
  /** The configuration file that declares the service (repository-relative), when one does. */
  configFile?: string;
  /** Codes to ignore for this service. */
  ignore: string[];
  /** Build path: plain docker, or `gcloud builds submit` (applies .gcloudignore first). */
  build: "docker" | "gcloud";
  /**
   * A compose service's `command:` / `entrypoint:`, which replace the image's CMD / ENTRYPOINT
   * (an `entrypoint:` also drops the image's CMD), and where they are written.
   */
  run?: { command: string[] | null; entrypoint: string[] | null; env?: Record<string, string>; workdir?: string; file: string; line: number };
}
