export declare const authServiceCallers: import('@notes/grpc').ServiceCallers;
