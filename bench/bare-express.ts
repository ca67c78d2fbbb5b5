/**
 * The intake figure's baseline: a bare Express app that parses the same JSON body (with the
 * desk's body limit) and answers 201 with a reply of the same shape, storing nothing.
 */
import express from 'express';

const app = express();
app.disable('x-powered-by');
app.use(express.json({ limit: '64kb' }));
app.post('/api/v1/recovery-requests', (req, res) => {
  const body = req.body as Record<string, unknown>;
  res.status(201).json({
    reference: 'RD-7K2Q9XWM',
    status: typeof body.email === 'string' ? 'received' : 'invalid',
    token: 'x'.repeat(43),
    status_url: 'http://localhost/requests/RD-7K2Q9XWM?token=x',
  });
});
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send!({ ready: true, port: typeof address === 'object' && address ? address.port : 0 });
});
process.on('disconnect', () => server.close(() => process.exit(0)));
