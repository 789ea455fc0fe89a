import { Body, Controller, HttpCode, Module, Post, type INestApplication } from '@nestjs/common';
import { IsInt, IsString } from 'class-validator';
import { createService } from '../bootstrap';
import { ServiceCoreModule } from '../service-core.module';

class NoteDto {
  @IsString()
  title!: string;

  @IsInt()
  stars!: number;
}

class SignInDto {
  @IsString()
  email!: string;

  @IsString()
  password!: string;
}

@Controller()
class FormsController {
  @Post('notes')
  @HttpCode(201)
  note(@Body() note: NoteDto) {
    return note;
  }

  @Post('sign-in')
  @HttpCode(200)
  signIn(@Body() dto: SignInDto) {
    return { email: dto.email };
  }
}

@Module({
  imports: [ServiceCoreModule.forRoot({ name: 'form-bodies-test', logLevel: 'silent', readiness: { useValue: [] } })],
  controllers: [FormsController],
})
class TestModule {}

describe('a body sent as a form to a route that takes JSON (a real service)', () => {
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    app = await createService({ name: 'form-bodies-test', module: TestModule, host: '127.0.0.1', port: 0 });
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(() => app.close());

  // What `curl -d '…'` sends without `-H 'Content-Type: application/json'`.
  const post = async (path: string, body: string, type = 'application/x-www-form-urlencoded') => {
    const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': type }, body });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('says to send JSON with its content type, in one error, instead of an unknown field named after the JSON', async () => {
    for (const json of ['{"title":"Plan","stars":3}', ' [1, 2]', '{"title":"a=b&c"}']) {
      const res = await post('/notes', json);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        code: 'validation_failed',
        message: 'The body must be JSON',
        errors: [{ field: 'body', message: expect.stringContaining('sent with Content-Type: application/json; it came as a form') }],
      });
    }
    // The same text labelled JSON is taken.
    expect(await post('/notes', '{"title":"Plan","stars":3}', 'application/json')).toEqual({ status: 201, body: { title: 'Plan', stars: 3 } });
  });

  it('still takes a real form where it validates, and names the fields a real form lacks', async () => {
    expect(await post('/sign-in', 'email=ana%40example.com&password=secret')).toEqual({ status: 200, body: { email: 'ana@example.com' } });
    const missing = await post('/sign-in', 'email=ana%40example.com');
    expect(missing.status).toBe(400);
    expect(missing.body.errors).toEqual([{ field: 'password', message: 'password is required' }]);
  });
});
