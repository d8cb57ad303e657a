import { api } from '../helpers/http';
import { startServer, type TestServer } from '../helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.destroy());

test('a message posted to a new queue can be reserved and deleted', async () => {
  const http = api(server);
  const posted = await http.post('/queues/smoke/messages').send({ messages: [{ body: 'hello' }] });
  expect(posted.status).toBe(201);
  const reserved = await http.post('/queues/smoke/reservations').send({});
  expect(reserved.body.messages[0].body).toBe('hello');
  const { id, reservation_id } = reserved.body.messages[0];
  const deleted = await http.delete(`/queues/smoke/messages/${id}`).send({ reservation_id });
  expect(deleted.body).toEqual({ msg: 'Deleted' });
});
