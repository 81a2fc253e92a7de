// The server could not listen: say in one line which port or address and what to change, instead
// of Node's raw EADDRINUSE/EACCES stack.

export class ListenError extends Error {}

/** The operator's sentence for a listen error; errors other than these few come back unchanged. */
export function listenFailure(err: Error & { code?: string }, at: { port: number; host: string }): Error {
  switch (err.code) {
    case 'EADDRINUSE':
      return new ListenError(`port ${at.port} is already in use (EADDRINUSE on ${at.host}): stop the program using it, or set PORT to a free port (e.g. PORT=${at.port === 65535 ? 8080 : at.port + 1})`);
    case 'EACCES':
      return new ListenError(`port ${at.port} is not permitted for this user (EACCES on ${at.host}): ports below 1024 need root; set PORT to 1024 or above (the default is 8080) and put a proxy or a Docker port mapping in front`);
    case 'EADDRNOTAVAIL':
      return new ListenError(`HOST ${at.host} is not an address of this machine (EADDRNOTAVAIL): set HOST to 0.0.0.0 (every interface) or 127.0.0.1 (this machine only)`);
    default:
      return err;
  }
}
